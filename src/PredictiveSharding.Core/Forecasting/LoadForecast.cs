using System.Collections.ObjectModel;
using System.Globalization;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting;

/// <summary>
/// A probabilistic forecast: for each partition and resource, quantiles of its load at each of
/// <see cref="Horizon"/> steps after <see cref="Origin"/>.
/// </summary>
public sealed class LoadForecast
{
    /// <summary>
    /// Creates a forecast and checks that every series has the horizon and quantiles given here. The quantile levels and
    /// both levels of dictionaries are copied (the series themselves are immutable), so changing the caller's collections
    /// afterwards changes neither the forecast nor what its checks saw.
    /// </summary>
    /// <exception cref="ArgumentException">Quantiles not strictly increasing in (0, 1), a null or wrongly shaped series, or a horizon that ends after <see cref="DateTimeOffset.MaxValue"/>.</exception>
    public LoadForecast(DateTimeOffset origin, TimeSpan step, IReadOnlyList<double> quantiles, IReadOnlyDictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>> partitions)
    {
        Guard.Positive(step, nameof(step));
        ArgumentNullException.ThrowIfNull(quantiles);
        ArgumentNullException.ThrowIfNull(partitions);

        // Checked and kept as copies: the caller's collections could change after the checks.
        var levels = quantiles.ToArray();
        ValidateQuantiles(levels);
        var copy = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>(partitions.Count);
        var horizon = -1;
        foreach (var (partition, resources) in partitions)
        {
            if (resources is null)
            {
                throw new ArgumentException($"The forecast of partition '{partition}' is null; give it a dictionary of series per resource.", nameof(partitions));
            }

            var resourceCopy = new Dictionary<ResourceKind, QuantileSeries>(resources.Count);
            foreach (var (resource, series) in resources)
            {
                if (series is null)
                {
                    throw new ArgumentException($"The forecast of '{partition}'/{resource} is null.", nameof(partitions));
                }

                if (series.QuantileCount != levels.Length)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Forecast of '{partition}'/{resource} has {series.QuantileCount} quantiles; expected {levels.Length}."), nameof(partitions));
                }

                if (horizon >= 0 && series.Steps != horizon)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Forecast of '{partition}'/{resource} has {series.Steps} steps; others have {horizon}."), nameof(partitions));
                }

                horizon = series.Steps;
                resourceCopy.Add(resource, series);
            }

            copy.Add(partition, new ReadOnlyDictionary<ResourceKind, QuantileSeries>(resourceCopy));
        }

        // Planners name the time of every step (start-by times, reasons), so the last one must be representable. Counted
        // in whole ticks on the later of the clock and UTC: a DateTimeOffset adds on its clock time, which a positive
        // offset puts ahead of UTC (and a product in double could round past the limit).
        var room = DateTime.MaxValue.Ticks - Math.Max(origin.Ticks, origin.UtcTicks);
        if (horizon > 0 && step.Ticks > room / horizon)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The forecast's {horizon} steps of {step} from {origin:O} end after the last representable time."), nameof(step));
        }

        Origin = origin;
        Step = step;
        Quantiles = Array.AsReadOnly(levels);
        Partitions = new ReadOnlyDictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>(copy);
        Horizon = Math.Max(horizon, 0);
    }

    /// <summary>The start of the first forecast step.</summary>
    public DateTimeOffset Origin { get; }

    /// <summary>The length of one step.</summary>
    public TimeSpan Step { get; }

    /// <summary>The number of steps forecast.</summary>
    public int Horizon { get; }

    /// <summary>The quantile levels, strictly increasing in (0, 1).</summary>
    public IReadOnlyList<double> Quantiles { get; }

    /// <summary>Per partition, per resource, the forecast distribution.</summary>
    public IReadOnlyDictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>> Partitions { get; }

    /// <summary>
    /// The forecast value of a partition's resource at a step and quantile level, linearly interpolated between the
    /// nearest forecast quantiles (clamped at the ends).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No forecast for that partition or resource.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="quantile"/> is NaN, or <paramref name="step"/> is outside the horizon.</exception>
    public double ValueAt(PartitionId partition, ResourceKind resource, int step, double quantile)
    {
        ThrowIfNaN(quantile);
        return Interpolate(SeriesOf(partition, resource), step, quantile);
    }

    /// <summary>
    /// Every step's <see cref="ValueAt"/> for one partition, resource and quantile level, written to the first
    /// <see cref="Horizon"/> places of <paramref name="destination"/>: the same values, with one look-up of the series
    /// instead of one per step (a planner reading 100,000 partitions' forecasts spends most of its model building on
    /// those look-ups otherwise).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No forecast for that partition or resource.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="quantile"/> is NaN.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the horizon.</exception>
    public void ValuesAt(PartitionId partition, ResourceKind resource, double quantile, Span<double> destination)
    {
        ThrowIfNaN(quantile);
        var series = SeriesOf(partition, resource);
        if (destination.Length < Horizon)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The destination holds {destination.Length} values; the forecast has {Horizon} steps."), nameof(destination));
        }

        for (var step = 0; step < Horizon; step++)
        {
            destination[step] = Interpolate(series, step, quantile);
        }
    }

    private static void ThrowIfNaN(double quantile)
    {
        if (double.IsNaN(quantile))
        {
            // NaN compares false with every level and would read as the highest quantile.
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "The quantile level must be a number; got NaN.");
        }
    }

    private QuantileSeries SeriesOf(PartitionId partition, ResourceKind resource)
    {
        if (!Partitions.TryGetValue(partition, out var resources) || !resources.TryGetValue(resource, out var series))
        {
            throw new KeyNotFoundException($"The forecast has no '{resource}' series for partition '{partition}'.");
        }

        return series;
    }

    private double Interpolate(QuantileSeries series, int step, double quantile)
    {
        var qs = Quantiles;
        if (quantile <= qs[0])
        {
            return series[step, 0];
        }

        for (var i = 1; i < qs.Count; i++)
        {
            if (quantile <= qs[i])
            {
                var t = (quantile - qs[i - 1]) / (qs[i] - qs[i - 1]);
                return series[step, i - 1] + (t * (series[step, i] - series[step, i - 1]));
            }
        }

        return series[step, qs.Count - 1];
    }

    /// <summary>Throws unless the quantile levels are strictly increasing and inside (0, 1).</summary>
    /// <exception cref="ArgumentException">The levels are empty, out of (0, 1), NaN or not strictly increasing.</exception>
    public static void ValidateQuantiles(IReadOnlyList<double> quantiles)
    {
        ArgumentNullException.ThrowIfNull(quantiles);
        if (quantiles.Count == 0)
        {
            throw new ArgumentException("At least one quantile level is needed.", nameof(quantiles));
        }

        for (var i = 0; i < quantiles.Count; i++)
        {
            var q = quantiles[i];
            if (!(q > 0 && q < 1))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Quantile levels must lie strictly between 0 and 1; got {q}."), nameof(quantiles));
            }

            if (i > 0 && q <= quantiles[i - 1])
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Quantile levels must be strictly increasing; {q} follows {quantiles[i - 1]}."), nameof(quantiles));
            }
        }
    }
}
