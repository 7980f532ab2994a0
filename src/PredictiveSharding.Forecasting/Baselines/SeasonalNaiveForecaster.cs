using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PredictiveSharding.Forecasting.Features;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>
/// The seasonal naive forecaster: a step's load is forecast from the load one season earlier, and each quantile adds that
/// quantile of the series' own in-sample seasonal-naive errors (empirical quantiles, clamped at zero). The bar every other
/// forecaster must clear.
/// </summary>
/// <remarks>
/// The median, too, is the value a season earlier plus the median error, so a series that grows from season to season is
/// forecast with its typical growth: on a linear trend this is far better than the textbook seasonal naive (the value a
/// season earlier, unchanged), a higher bar. On the five sample traces the two differ by at most 0.014 in MASE.
/// A fitted partition takes its error quantiles from the fitted (and updated) data; a partition first seen in a
/// request takes them from that request's context, which then needs a season plus <see cref="SeasonalNaiveForecasterOptions.MinimumResiduals"/> steps;
/// so does a partition an update brought with fewer steps than that, until the updates have brought it that many.
/// Thread-safe: fit and update swap an immutable state.
/// </remarks>
public sealed class SeasonalNaiveForecaster : ILoadForecaster
{
    private readonly int _seasonLength;
    private readonly int _minimumResiduals;
    private readonly int _maxHistoryLength;
    private readonly IReadOnlyList<double> _quantiles;
    private readonly BaselineState<State> _state = new();
    private readonly ILogger _logger;

    /// <summary>Creates the forecaster.</summary>
    /// <param name="options">Settings; null uses the defaults.</param>
    /// <param name="logger">Logs partitions an update brings too short to start on (event 3110); null logs nothing.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">The quantile levels are invalid.</exception>
    public SeasonalNaiveForecaster(SeasonalNaiveForecasterOptions? options = null, ILogger<SeasonalNaiveForecaster>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        options ??= new SeasonalNaiveForecasterOptions();
        options.Validate();
        _seasonLength = options.SeasonLength;
        _minimumResiduals = options.MinimumResiduals;
        _maxHistoryLength = options.MaxHistoryLength;
        _quantiles = options.Quantiles.ToArray();
    }

    /// <summary>
    /// Tests only: runs on the fit's thread after it has fitted and before it publishes, so that a test can let an update
    /// publish in between without depending on timing.
    /// </summary>
    internal Action? BeforeFitPublishes { get; set; }

    /// <summary>The number of partitions the state holds (tests: departed partitions are forgotten).</summary>
    internal int PartitionCount => _state.Current?.Models.Count ?? 0;

    /// <summary>The number of partitions whose data is kept until it is long enough to start on (tests).</summary>
    internal int ShortPartitionCount => _state.Current?.Short.Count ?? 0;

    private static readonly IReadOnlyDictionary<PartitionId, StoredSeries> EmptyShort = new Dictionary<PartitionId, StoredSeries>();

    /// <inheritdoc />
    public string Name => "seasonal-naive";

    // A season to look back on plus the errors whose quantiles give the spread.
    private long MinimumLength => (long)_seasonLength + _minimumResiduals;

    /// <inheritdoc />
    public bool IsFitted => _state.Current is not null;

    /// <inheritdoc />
    /// <remarks>Every series needs a season plus <see cref="SeasonalNaiveForecasterOptions.MinimumResiduals"/> steps.</remarks>
    public Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(history);
        cancellationToken.ThrowIfCancellationRequested();
        var fit = _state.BeginFit();
        var models = new Dictionary<PartitionId, SeasonalResiduals>(history.Series.Count);
        var loss = 0.0;
        try
        {
            foreach (var series in history.Series)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var model = CreateModel(StoredSeries.From(series, nameof(history)), nameof(history));
                loss += model.MeanAbsoluteError();
                models.Add(series.Partition, model);
            }

            // Reported before publishing: a consumer that throws fails the fit, which then publishes nothing.
            progress?.Report(new ForecasterProgress(1, 1, loss / models.Count, double.NaN));
            BeforeFitPublishes?.Invoke();
            _state.PublishFit(fit, new State(history.Step, models, EmptyShort), (state, recent) => Apply(state, recent, replaying: true, CancellationToken.None));
        }
        finally
        {
            _state.EndFit(fit);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>Appends the new buckets (those after the data already known) and re-estimates the error quantiles lazily.
    /// A partition whose series starts after the data held for it (it left the harvest and came back) starts again from
    /// this update's data alone, as a new partition: its old data is dropped, not joined to the new with zeros. A new (or
    /// returning) partition with fewer than a season plus <see cref="SeasonalNaiveForecasterOptions.MinimumResiduals"/>
    /// steps does not fail the update: its data is kept, later updates add to it, and it starts once it holds that many
    /// (logged, event 3110). A partition
    /// the update lacks whose data ends at or before the update's earliest start has left and is forgotten. Concurrent updates (and a fit finishing meanwhile) each apply on top of the other, none is lost; a
    /// fit that finishes after an update started later applies that update's buckets on top of its own.</remarks>
    public Task UpdateAsync(LoadHistory recent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recent);
        var state = _state.Current ?? throw NotFitted();
        _state.PublishUpdate(state, recent, read => Apply(read, recent, replaying: false, cancellationToken));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<LoadForecast> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = _state.Current ?? throw NotFitted();
        cancellationToken.ThrowIfCancellationRequested();
        var resolved = ResolvedRequest.Resolve(request, _quantiles);
        CheckStep(resolved.Step, state.Step, nameof(request));
        var quantileCount = resolved.Quantiles.Count;
        var results = new List<double[]>(resolved.Series.Count);
        var offsets = new double[quantileCount];
        foreach (var series in resolved.Series)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LoadValues.RequireLength(series, _seasonLength, "one season of context", nameof(request));
            var context = StoredSeries.From(series, nameof(request));
            var model = state.Models.TryGetValue(series.Partition, out var fitted)
                ? fitted
                : CreateModel(context.Truncate(_maxHistoryLength), nameof(request));
            var values = context.Values;
            var n = values.Length;
            var output = new double[resolved.Horizon * quantileCount];
            for (var h = 1; h <= resolved.Horizon; h++)
            {
                var k = ((h - 1) / _seasonLength) + 1;
                var point = values[n + h - 1 - (k * _seasonLength)];
                model.Offsets(h, resolved.Quantiles, offsets);
                QuantileValues.Write(point, offsets, output.AsSpan((h - 1) * quantileCount, quantileCount));
            }

            results.Add(output);
        }

        return Task.FromResult(resolved.ToForecast(results));
    }

    /// <summary>
    /// <paramref name="read"/> with <paramref name="recent"/>'s new buckets appended: an update, or, <paramref name="replaying"/>,
    /// its replay on a fit that finished after it, which leaves out a series the fitted state cannot take (a gap after
    /// the fit's history, a partition the fit did not have and too short to start on) rather than the whole update.
    /// </summary>
    private State Apply(State read, LoadHistory recent, bool replaying, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CheckStep(recent.Step, read.Step, nameof(recent));
        var models = new Dictionary<PartitionId, SeasonalResiduals>(read.Models);
        var kept = new Dictionary<PartitionId, StoredSeries>(read.Short);
        List<PartitionId>? tooShort = null;
        foreach (var series in recent.Series)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (models.TryGetValue(series.Partition, out var known) && !StoredSeries.ReturnsAfterGap(series, known.Series.End))
                {
                    models[series.Partition] = CreateModel(known.Series.Append(series, _maxHistoryLength, nameof(recent)), nameof(recent));
                    continue;
                }

                // New, back after a gap, or kept from an earlier update as too short to start on.
                models.Remove(series.Partition);
                if (StoredSeries.Admit(kept, series, _maxHistoryLength, MinimumLength, nameof(recent), ref tooShort) is { } stored)
                {
                    models[series.Partition] = CreateModel(stored, nameof(recent));
                }
            }
            catch (ArgumentException) when (replaying)
            {
                // The fit's own history stands for this partition.
            }
        }

        if (tooShort is not null && !replaying && _logger.IsEnabled(LogLevel.Information))
        {
            var names = PartitionNames.Of(tooShort);
            BaselineLog.ShortPartitionsKept(_logger, Name, tooShort.Count, MinimumLength, names);
        }

        DepartedPartitions.Forget(models, recent, m => m.Series.End);
        DepartedPartitions.Forget(kept, recent, s => s.End);
        return new State(read.Step, models, kept);
    }

    private SeasonalResiduals CreateModel(StoredSeries stored, string paramName)
    {
        if (stored.Values.Length < MinimumLength)
        {
            throw new ArgumentException(
                $"Series '{stored.Partition}' has {stored.Values.Length} buckets; the seasonal naive forecaster needs at least {_seasonLength + _minimumResiduals} (a season of {_seasonLength} plus {_minimumResiduals} errors) to estimate its error quantiles.",
                paramName);
        }

        return new SeasonalResiduals(stored.Truncate(_maxHistoryLength), _seasonLength, _minimumResiduals);
    }

    private static void CheckStep(TimeSpan step, TimeSpan fitted, string paramName)
    {
        if (step != fitted)
        {
            throw new ArgumentException($"The history's step is {step} but the forecaster was fitted with step {fitted}.", paramName);
        }
    }

    private InvalidOperationException NotFitted() => new($"The {Name} forecaster is not fitted; call FitAsync first.");

    /// <summary>The state: a model per partition started, and the data of those too short to start on yet.</summary>
    private sealed record State(TimeSpan Step, IReadOnlyDictionary<PartitionId, SeasonalResiduals> Models, IReadOnlyDictionary<PartitionId, StoredSeries> Short);
}
