using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PredictiveSharding.Forecasting.Features;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>
/// Holt-Winters exponential smoothing with a damped trend and additive or multiplicative seasonality, fitted per series by
/// minimising the in-sample one-step squared error with Nelder–Mead. Quantiles come from the one-step residuals, widened
/// with the horizon by the ETS variance factor.
/// </summary>
/// <remarks>
/// The forecast starts from the state at the end of each requested context: the fitted state when the context ends
/// where the fitted (or updated) data ends; the fitted parameters re-run over the context when it starts where the fit
/// started; otherwise the fitted parameters from a fresh starting state (the context then needs two seasons). A partition
/// never fitted is fitted on its context on the fly. Multiplicative seasonality is chosen only for a strictly positive
/// series; a multiplicative model whose update or context holds a load of zero or less (an idle partition) runs on in
/// additive form, with its state converted at the current level. Deterministic (no randomness); thread-safe.
/// </remarks>
public sealed class HoltWintersForecaster : ILoadForecaster
{
    private readonly int _seasonLength;
    private readonly HoltWintersSeasonality _seasonality;
    private readonly bool _damped;
    private readonly int _maxEvaluations;
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
    public HoltWintersForecaster(HoltWintersForecasterOptions? options = null, ILogger<HoltWintersForecaster>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        options ??= new HoltWintersForecasterOptions();
        options.Validate();
        _seasonLength = options.SeasonLength;
        _seasonality = options.Seasonality;
        _damped = options.DampedTrend;
        _maxEvaluations = options.MaxEvaluations;
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
    public string Name => "holt-winters";

    /// <inheritdoc />
    public bool IsFitted => _state.Current is not null;

    // In long: two seasons of a season near int.MaxValue wrapped round to a negative minimum that every series passed.
    private long MinimumLength => Math.Max(2L * _seasonLength, (long)_seasonLength + _minimumResiduals);

    /// <inheritdoc />
    /// <remarks>Every series needs two seasons and at least a season plus <see cref="HoltWintersForecasterOptions.MinimumResiduals"/> steps.</remarks>
    public Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(history);
        cancellationToken.ThrowIfCancellationRequested();

        // Check every series before the (slower) fitting so bad input fails fast and leaves the state untouched.
        var stored = new List<StoredSeries>(history.Series.Count);
        foreach (var series in history.Series)
        {
            LoadValues.RequireLength(series, MinimumLength, $"two seasons of {_seasonLength} to start the Holt-Winters state and {_minimumResiduals} residuals", nameof(history));
            stored.Add(StoredSeries.From(series, nameof(history)));
        }

        return FitCoreAsync(history.Step, stored, progress, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>A state update: the fitted parameters run over the new buckets (those after the data already seen), and
    /// their one-step errors join the residual sample. A new partition is fitted, and so is one whose series starts after
    /// the data seen for it (it left the harvest and came back), on this update's data alone: its old state is dropped,
    /// not run over zeros for the gap. Such a partition with fewer than <see cref="HoltWintersForecasterOptions.MinimumResiduals"/>
    /// steps after a season, or than two seasons, does not fail the update: its data is kept, later updates add to it,
    /// and it is fitted once it holds that many (logged, event 3110); until then a forecast for it is fitted on its
    /// request's context, as for a partition never seen. A partition the update lacks whose data ends at or before the update's earliest
    /// start has left and is forgotten. Concurrent updates (and
    /// a fit finishing meanwhile) each apply on top of the other, none is lost; a fit that finishes after an update
    /// started later applies that update's buckets on top of its own.</remarks>
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
        var offsets = new double[quantileCount];
        var results = new List<double[]>(resolved.Series.Count);
        foreach (var series in resolved.Series)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (model, end) = StateAtEnd(series, state, cancellationToken);
            var output = new double[resolved.Horizon * quantileCount];
            var steps = new HoltWintersHorizon(model.Parameters, _seasonLength);
            for (var h = 1; h <= resolved.Horizon; h++)
            {
                steps.Next();
                var point = HoltWintersFilter.Point(model.Parameters, end, h, steps.PhiSum);
                model.Offsets(steps.VarianceFactor, resolved.Quantiles, offsets);
                if (model.Parameters.Multiplicative)
                {
                    // Relative errors: the spread scales with the forecast level.
                    for (var q = 0; q < quantileCount; q++)
                    {
                        offsets[q] *= Math.Max(point, 0);
                    }
                }

                QuantileValues.Write(point, offsets, output.AsSpan((h - 1) * quantileCount, quantileCount));
            }

            results.Add(output);
        }

        return Task.FromResult(resolved.ToForecast(results));
    }

    // Begun in the call, before the training task is scheduled, so an update published while the task waits is replayed
    // too; ended however the task ends (a task cancelled before it started never runs its delegate).
    private async Task FitCoreAsync(TimeSpan step, List<StoredSeries> stored, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken)
    {
        var fit = _state.BeginFit();
        try
        {
            await Task.Run(
                () =>
                {
                    var models = new Dictionary<PartitionId, HoltWintersSeriesModel>(stored.Count);
                    var sse = 0.0;
                    var count = 0;
                    foreach (var series in stored)
                    {
                        var model = FitOne(series, cancellationToken);
                        sse += model.Sse;
                        count += series.Values.Length - _seasonLength;
                        models.Add(series.Partition, model);
                    }

                    // Reported before publishing: a consumer that throws fails the fit, which then publishes nothing.
                    progress?.Report(new ForecasterProgress(1, 1, sse / Math.Max(count, 1), double.NaN));
                    BeforeFitPublishes?.Invoke();
                    _state.PublishFit(fit, new State(step, models, EmptyShort), (state, recent) => Apply(state, recent, replaying: true, CancellationToken.None));
                },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _state.EndFit(fit);
        }
    }

    /// <summary>
    /// <paramref name="read"/> run over <paramref name="recent"/>'s new buckets: an update, or, <paramref name="replaying"/>,
    /// its replay on a fit that finished after it, which leaves out a series the fitted state cannot take (a gap after
    /// the fit's history, a partition the fit did not have and too short to fit on) rather than the whole update.
    /// </summary>
    private State Apply(State read, LoadHistory recent, bool replaying, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CheckStep(recent.Step, read.Step, nameof(recent));
        var models = new Dictionary<PartitionId, HoltWintersSeriesModel>(read.Models);
        var kept = new Dictionary<PartitionId, StoredSeries>(read.Short);
        List<PartitionId>? tooShort = null;
        foreach (var series in recent.Series)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (models.TryGetValue(series.Partition, out var known) && !StoredSeries.ReturnsAfterGap(series, known.End))
                {
                    var fresh = new StoredSeries(series.Partition, known.End, read.Step, []).Append(series, int.MaxValue, nameof(recent));
                    models[series.Partition] = known.ForValues(fresh.Values).Extend(fresh.Values, read.Step, _maxHistoryLength);
                    continue;
                }

                // New, back after a gap, or kept from an earlier update as too short to fit on.
                models.Remove(series.Partition);
                if (StoredSeries.Admit(kept, series, _maxHistoryLength, MinimumLength, nameof(recent), ref tooShort) is { } stored)
                {
                    models[series.Partition] = FitOne(stored, cancellationToken);
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

        DepartedPartitions.Forget(models, recent, m => m.End);
        DepartedPartitions.Forget(kept, recent, s => s.End);
        return new State(read.Step, models, kept);
    }

    private (HoltWintersSeriesModel Model, HoltWintersState End) StateAtEnd(PartitionLoadSeries series, State state, CancellationToken cancellationToken)
    {
        var context = StoredSeries.From(series, "request");
        if (!state.Models.TryGetValue(series.Partition, out var model))
        {
            LoadValues.RequireLength(series, MinimumLength, "a partition that was not fitted is fitted on its context", "request");
            model = FitOne(context, cancellationToken);
            return (model, model.Final.Clone());
        }

        if (context.End == model.End)
        {
            return (model, model.Final.Clone());
        }

        // A context with a load of zero or less runs a multiplicative model in additive form (see ForValues).
        model = model.ForValues(context.Values);

        HoltWintersState start;
        if (context.Start == model.FitStart)
        {
            start = model.Initial.Clone();
        }
        else
        {
            LoadValues.RequireLength(series, 2L * _seasonLength, "a context that neither starts where the fit started nor ends where the data seen ends must restart the state from two seasons", "request");
            start = HoltWintersState.Initial(context.Values, _seasonLength, model.Parameters.Multiplicative);
        }

        HoltWintersFilter.Run(model.Parameters, start, context.Values, 0, null, strict: false);
        return (model, start);
    }

    private HoltWintersSeriesModel FitOne(StoredSeries series, CancellationToken cancellationToken) =>
        HoltWintersSeriesModel.Fit(series, _seasonLength, _seasonality, _damped, _maxEvaluations, _maxHistoryLength, cancellationToken);

    private static void CheckStep(TimeSpan step, TimeSpan fitted, string paramName)
    {
        if (step != fitted)
        {
            throw new ArgumentException($"The history's step is {step} but the forecaster was fitted with step {fitted}.", paramName);
        }
    }

    private InvalidOperationException NotFitted() => new($"The {Name} forecaster is not fitted; call FitAsync first.");

    /// <summary>The state: a model per partition fitted, and the data of those too short to fit on yet.</summary>
    private sealed record State(TimeSpan Step, IReadOnlyDictionary<PartitionId, HoltWintersSeriesModel> Models, IReadOnlyDictionary<PartitionId, StoredSeries> Short);
}
