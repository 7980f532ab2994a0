using System.Globalization;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Features;

/// <summary>A forecast request checked and resolved to the series to forecast and the quantile levels to produce.</summary>
internal sealed class ResolvedRequest
{
    private ResolvedRequest(IReadOnlyList<PartitionLoadSeries> series, IReadOnlyList<double> quantiles, int horizon, TimeSpan step)
    {
        Series = series;
        Quantiles = quantiles;
        Horizon = horizon;
        Step = step;
    }

    /// <summary>The series to forecast, in request order (or history order when the request names none).</summary>
    public IReadOnlyList<PartitionLoadSeries> Series { get; }

    /// <summary>The quantile levels, strictly increasing in (0, 1).</summary>
    public IReadOnlyList<double> Quantiles { get; }

    /// <summary>Steps ahead.</summary>
    public int Horizon { get; }

    /// <summary>The history's step.</summary>
    public TimeSpan Step { get; }

    /// <summary>Where the forecast starts: the latest end of the requested series.</summary>
    public DateTimeOffset Origin
    {
        get
        {
            var origin = DateTimeOffset.MinValue;
            foreach (var s in Series)
            {
                if (s.End > origin)
                {
                    origin = s.End;
                }
            }

            return origin;
        }
    }

    /// <summary>Checks a request against a forecaster's default quantiles.</summary>
    /// <exception cref="ArgumentException">A requested partition has no series in the request's history or is listed twice, or the quantile levels are invalid.</exception>
    public static ResolvedRequest Resolve(ForecastRequest request, IReadOnlyList<double> defaultQuantiles)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Copied before the check, so what is checked is what is used.
        var levels = (request.Quantiles ?? defaultQuantiles).ToArray();
        LoadForecast.ValidateQuantiles(levels);
        var history = request.History;
        List<PartitionLoadSeries> series;
        if (request.Partitions is null)
        {
            series = [.. history.Series];
        }
        else
        {
            series = new List<PartitionLoadSeries>(request.Partitions.Count);
            var seen = new HashSet<PartitionId>();
            foreach (var partition in request.Partitions)
            {
                if (!history.Contains(partition))
                {
                    throw new ArgumentException($"The request asks for partition '{partition}', which has no series in the request's history.", nameof(request));
                }

                if (!seen.Add(partition))
                {
                    throw new ArgumentException($"The request lists partition '{partition}' more than once.", nameof(request));
                }

                series.Add(history.Get(partition));
            }
        }

        RequireRepresentable(request.Horizon, levels.Length, series, history.Step, nameof(request));
        return new ResolvedRequest(series, levels, request.Horizon, history.Step);
    }

    /// <summary>
    /// Refuses, before any value is computed, a horizon whose forecast cannot be held: more values per series than an
    /// array holds (the product wrapped round in int and failed with an OverflowException), or a last step after the
    /// last representable time (which the forecast itself refused only after every value had been computed).
    /// </summary>
    private static void RequireRepresentable(int horizon, int quantileCount, List<PartitionLoadSeries> series, TimeSpan step, string paramName)
    {
        if ((long)horizon * quantileCount > Array.MaxLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The request's horizon of {horizon} steps at {quantileCount} quantile levels needs {(long)horizon * quantileCount} values per series; an array holds at most {Array.MaxLength}."), paramName);
        }

        var origin = DateTimeOffset.MinValue;
        foreach (var s in series)
        {
            if (s.End > origin)
            {
                origin = s.End;
            }
        }

        // As LoadForecast counts it: in whole ticks on the later of the clock and UTC.
        var room = DateTime.MaxValue.Ticks - Math.Max(origin.Ticks, origin.UtcTicks);
        if (series.Count > 0 && step.Ticks > room / horizon)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The request's horizon of {horizon} steps of {step} from {origin:O} ends after the last representable time."), paramName);
        }
    }

    /// <summary>Wraps per-partition quantile values (<c>values[step * quantiles + q]</c>) as a forecast of request load.</summary>
    public LoadForecast ToForecast(IReadOnlyList<double[]> valuesBySeries)
    {
        var partitions = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>(Series.Count);
        for (var i = 0; i < Series.Count; i++)
        {
            partitions[Series[i].Partition] = new Dictionary<ResourceKind, QuantileSeries>(1)
            {
                [ResourceKind.Requests] = new QuantileSeries(Horizon, Quantiles.Count, valuesBySeries[i]),
            };
        }

        return new LoadForecast(Origin, Step, Quantiles, partitions);
    }
}
