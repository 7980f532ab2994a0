using System.Globalization;
using PredictiveSharding.Forecasting.Features;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Evaluation;

/// <summary>
/// Rolling-origin evaluation as the design reference (not shipped) defines it for <c>forecast-eval</c>: for a series of n steps the first
/// origin is n − ⌊holdout · n⌋ and origins follow every H steps while origin + H ≤ n; the model is fitted once on each
/// series' data before its first origin and, at each origin, forecasts H steps from the data before it. MASE (denominator
/// from the part before the first origin, seasonal period m) and wQL are computed per series and averaged over series;
/// coverage80 counts over all forecast points.
/// </summary>
public sealed class RollingOriginEvaluator
{
    private const double LowerLevel = 0.1;
    private const double MedianLevel = 0.5;
    private const double UpperLevel = 0.9;

    private readonly int _seasonLength;
    private readonly int _horizon;
    private readonly double _holdoutFraction;
    private readonly double[] _quantiles;
    private readonly bool _update;
    private readonly TimeProvider _time;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="options">The protocol's settings; validated here.</param>
    /// <param name="timeProvider">Measures training and forecasting time; the system clock when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">The quantile levels are invalid.</exception>
    public RollingOriginEvaluator(RollingOriginOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new RollingOriginOptions();
        options.Validate();
        _seasonLength = options.SeasonLength;
        _horizon = options.Horizon;
        _holdoutFraction = options.HoldoutFraction;
        _quantiles = options.Quantiles.ToArray();
        _update = options.UpdateBetweenOrigins;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The first origin of a series of <paramref name="length"/> steps: n − ⌊holdout · n⌋.</summary>
    public int FirstOrigin(int length) => length - (int)Math.Floor(_holdoutFraction * length);

    /// <summary>
    /// Whether a series of <paramref name="length"/> steps can be evaluated: more than a season before its first origin
    /// and a whole horizon after it. <see cref="EvaluateAsync"/> refuses a series for which this is false, so a caller
    /// holding series of mixed lengths can set the short ones aside first and say which.
    /// </summary>
    public bool CanEvaluate(int length)
    {
        var first = FirstOrigin(length);
        return first > _seasonLength && (long)first + _horizon <= length;
    }

    /// <summary>The fewest steps a series needs for <see cref="CanEvaluate"/> to hold (<see cref="int.MaxValue"/> when none can).</summary>
    public int MinimumLength
    {
        get
        {
            // ⌊holdout · n⌋ ≥ horizon needs n ≥ horizon / holdout, and n − ⌊holdout · n⌋ > season needs n > season / (1 − holdout):
            // start just below both, then step up. Both conditions only ever turn true as n grows (the first origin and the
            // held-out steps never decrease), so the first n that passes is the minimum.
            var start = Math.Max(_seasonLength + _horizon + 1.0, Math.Max(Math.Floor(_horizon / _holdoutFraction), Math.Floor(_seasonLength / (1 - _holdoutFraction))) - 2);
            for (var length = (long)start; length < int.MaxValue; length++)
            {
                if (CanEvaluate((int)length))
                {
                    return (int)length;
                }
            }

            return int.MaxValue;
        }
    }

    /// <summary>Fits <paramref name="forecaster"/> and scores its forecasts over the held-out part of every series.</summary>
    /// <param name="forecaster">A forecaster; it is (re)fitted here.</param>
    /// <param name="series">The series, all on one step, none shorter than a season plus the holdout and one horizon.</param>
    /// <param name="cancellationToken">Cancels fitting and forecasting.</param>
    /// <exception cref="ArgumentException">No series, series on different steps or duplicated, bad values, or a series too short for the protocol; the message names it.</exception>
    public async Task<ForecastEvaluation> EvaluateAsync(ILoadForecaster forecaster, IReadOnlyList<PartitionLoadSeries> series, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(forecaster);
        var plans = Plan(series);
        var maxOrigins = plans.Max(p => p.OriginCount);

        var trainStart = _time.GetTimestamp();
        var fitHistory = new LoadHistory(plans.Select(p => Truncate(p.Series, p.FirstOrigin)));
        await forecaster.FitAsync(fitHistory, null, cancellationToken).ConfigureAwait(false);
        var trainTime = _time.GetElapsedTime(trainStart);

        var forecastTime = TimeSpan.Zero;
        var seriesForecasts = 0;
        for (var k = 0; k < maxOrigins; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var active = plans.Where(p => k < p.OriginCount).ToList();
            var history = new LoadHistory(active.Select(p => Truncate(p.Series, p.Origin(k, _horizon))));
            if (_update && k > 0)
            {
                var updateStart = _time.GetTimestamp();
                await forecaster.UpdateAsync(history, cancellationToken).ConfigureAwait(false);
                trainTime += _time.GetElapsedTime(updateStart);
            }

            var request = new ForecastRequest(history, _horizon) { Quantiles = _quantiles };
            var start = _time.GetTimestamp();
            var forecast = await forecaster.ForecastAsync(request, cancellationToken).ConfigureAwait(false);
            forecastTime += _time.GetElapsedTime(start);
            seriesForecasts += active.Count;
            foreach (var plan in active)
            {
                plan.Record(forecast, plan.Origin(k, _horizon), _horizon, _quantiles);
            }
        }

        var points = plans.Sum(p => p.Actual.Count);
        var inside = plans.Sum(p => ForecastMetrics.CountInside(p.Actual.ToArray(), p.Lower.ToArray(), p.Upper.ToArray()));
        var mase = plans.Select(p => ForecastMetrics.Mase(p.Actual.ToArray(), p.Median.ToArray(), p.MaseScale)).ToList();
        var wql = plans.Select(p => ForecastMetrics.WeightedQuantileLoss(p.Actual.ToArray(), p.ByLevel.Select(l => l.ToArray()).ToList(), _quantiles)).ToList();
        return new ForecastEvaluation
        {
            Name = forecaster.Name,
            Mase = ForecastMetrics.MeanOfFinite(mase),
            Wql = ForecastMetrics.MeanOfFinite(wql),
            Coverage80 = points == 0 ? double.NaN : (double)inside / points,
            TrainSeconds = trainTime.TotalSeconds,
            ForecastMillisPerSeries = seriesForecasts == 0 ? 0 : forecastTime.TotalMilliseconds / seriesForecasts,
            SeriesCount = plans.Count,
            SeriesWithoutMaseScale = mase.Count(v => !double.IsFinite(v)),
            SeriesWithoutLoad = wql.Count(v => !double.IsFinite(v)),
            Origins = plans.Sum(p => p.OriginCount),
            ForecastPoints = points,
        };
    }

    private List<SeriesPlan> Plan(IReadOnlyList<PartitionLoadSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0)
        {
            throw new ArgumentException("Nothing to evaluate: no series.", nameof(series));
        }

        var plans = new List<SeriesPlan>(series.Count);
        foreach (var s in series)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(series));
            var values = LoadValues.Of(s, nameof(series));
            var first = FirstOrigin(values.Length);
            if (!CanEvaluate(values.Length))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Series '{s.Partition}' has {values.Length} steps: its first origin would be step {first} (holdout {_holdoutFraction}), which needs more than a season ({_seasonLength}) before it and a whole horizon ({_horizon}) after it."),
                    nameof(series));
            }

            var count = ((values.Length - first - _horizon) / _horizon) + 1;
            var scale = ForecastMetrics.SeasonalNaiveScale(values.AsSpan(0, first), _seasonLength);
            plans.Add(new SeriesPlan(s, values, first, count, scale, _quantiles.Length));
        }

        // LoadHistory checks steps and duplicates; build one now so bad input fails before any fitting.
        _ = new LoadHistory(series);
        return plans;
    }

    private static PartitionLoadSeries Truncate(PartitionLoadSeries series, int length) =>
        length == series.Count ? series : new PartitionLoadSeries(series.Partition, series.Step, series.Buckets.Take(length).ToArray());

    /// <summary>One series' origins and the forecasts collected at them.</summary>
    private sealed class SeriesPlan
    {
        public SeriesPlan(PartitionLoadSeries series, double[] values, int firstOrigin, int originCount, double maseScale, int levels)
        {
            Series = series;
            Values = values;
            FirstOrigin = firstOrigin;
            OriginCount = originCount;
            MaseScale = maseScale;
            ByLevel = Enumerable.Range(0, levels).Select(_ => new List<double>()).ToArray();
        }

        public PartitionLoadSeries Series { get; }

        public double[] Values { get; }

        public int FirstOrigin { get; }

        public int OriginCount { get; }

        public double MaseScale { get; }

        public List<double> Actual { get; } = [];

        public List<double> Median { get; } = [];

        public List<double> Lower { get; } = [];

        public List<double> Upper { get; } = [];

        public List<double>[] ByLevel { get; }

        public int Origin(int k, int horizon) => FirstOrigin + (k * horizon);

        public void Record(LoadForecast forecast, int origin, int horizon, double[] levels)
        {
            var partition = Series.Partition;
            if (forecast.Horizon != horizon || !forecast.Partitions.ContainsKey(partition))
            {
                throw new InvalidOperationException($"The forecaster returned {forecast.Horizon} steps and {(forecast.Partitions.ContainsKey(partition) ? "a" : "no")} forecast for '{partition}'; {horizon} steps for every requested partition were expected.");
            }

            for (var h = 0; h < horizon; h++)
            {
                Actual.Add(Values[origin + h]);
                Median.Add(forecast.ValueAt(partition, ResourceKind.Requests, h, MedianLevel));
                Lower.Add(forecast.ValueAt(partition, ResourceKind.Requests, h, LowerLevel));
                Upper.Add(forecast.ValueAt(partition, ResourceKind.Requests, h, UpperLevel));
                for (var q = 0; q < levels.Length; q++)
                {
                    ByLevel[q].Add(forecast.ValueAt(partition, ResourceKind.Requests, h, levels[q]));
                }
            }
        }
    }
}
