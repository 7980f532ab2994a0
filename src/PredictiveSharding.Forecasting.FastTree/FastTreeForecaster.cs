using PredictiveSharding.Forecasting.Features;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>
/// A gradient-boosted tree forecaster (ML.NET FastTree): one global regression model across all series on lag and
/// calendar features, each series scaled by 1 + its recent mean. Multi-step forecasts are direct: the horizon step is a
/// feature, so every step is predicted from what was known at the origin. Quantiles come from errors per horizon step
/// measured out of fold, on a held-out tail forecast by a model trained without it.
/// </summary>
/// <remarks>
/// Why direct (one model, the horizon step as a feature, i.e. one bucket per step sharing the trees) rather than recursive:
/// a recursive tree feeds its own mean predictions back as lags, and on bursty load (tweets, request counts) a predicted
/// burst sustains itself for the rest of the horizon; measured here, the recursive variant's 24-step MASE on hourly NAB
/// series was several times its one-step MASE. The direct model cannot compound errors, and one shared model keeps the
/// data per horizon step large. The cost: training rows grow with <see cref="FastTreeForecasterOptions.MaxHorizon"/>
/// (capped by <see cref="FastTreeForecasterOptions.MaxTrainingRows"/>), and longer horizons are refused.
/// A partition not seen at fit is forecast from its context (the model is global). Seeded; thread-safe.
/// </remarks>
public sealed class FastTreeForecaster : ILoadForecaster
{
    private readonly FastTreeForecasterOptions _options;
    private readonly FastTreeModelTrainer _trainer;
    private readonly IReadOnlyList<double> _quantiles;
    private const int MaxOriginsPerSeries = 64;

    private readonly BaselineState<State> _state = new();

    /// <summary>Creates the forecaster.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">The quantile levels are invalid.</exception>
    public FastTreeForecaster(FastTreeForecasterOptions? options = null)
    {
        options ??= new FastTreeForecasterOptions();
        options.Validate();

        // A private copy, so a caller changing its options object later cannot change a fitted model's behaviour.
        _options = new FastTreeForecasterOptions
        {
            SeasonLength = options.SeasonLength,
            Quantiles = options.Quantiles.ToArray(),
            NumberOfTrees = options.NumberOfTrees,
            NumberOfLeaves = options.NumberOfLeaves,
            MinimumExampleCountPerLeaf = options.MinimumExampleCountPerLeaf,
            LearningRate = options.LearningRate,
            ValidationFraction = options.ValidationFraction,
            MaxHorizon = options.MaxHorizon,
            MaxTrainingRows = options.MaxTrainingRows,
            MinimumResiduals = options.MinimumResiduals,
            MaxHistoryLength = options.MaxHistoryLength,
            Seed = options.Seed,
            NumberOfThreads = options.NumberOfThreads,
        };
        _quantiles = _options.Quantiles;
        _trainer = new FastTreeModelTrainer(_options);
    }

    /// <summary>
    /// Tests only: runs on the fit's thread after it has fitted and before it publishes, so that a test can let an update
    /// publish in between without depending on timing.
    /// </summary>
    internal Action? BeforeFitPublishes { get; set; }

    /// <summary>The number of partitions whose series are retained (tests: departed partitions are forgotten).</summary>
    internal int PartitionCount => _state.Current?.Series.Keys.Count() ?? 0;

    /// <inheritdoc />
    public string Name => "fasttree";

    /// <inheritdoc />
    public bool IsFitted => _state.Current is not null;

    private int ContextLength => (int)LagFeatures.ContextLength(_options.SeasonLength); // within MaxHistoryLength, validated

    /// <inheritdoc />
    /// <remarks>Every series needs 2m + 1 steps (the context of one training row). Trains two models: one without each series' tail, to measure errors, then the final one on everything.</remarks>
    /// <exception cref="ArgumentException">A series is too short or holds a bad value, or the history gives either model fewer than twice <see cref="FastTreeForecasterOptions.MinimumExampleCountPerLeaf"/> rows, or its held-out tails fewer than <see cref="FastTreeForecasterOptions.MinimumResiduals"/> one-step errors (thrown by the call, before training).</exception>
    public Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(history);
        cancellationToken.ThrowIfCancellationRequested();
        var stored = new List<StoredSeries>(history.Series.Count);
        foreach (var series in history.Series)
        {
            LoadValues.RequireLength(series, ContextLength + 1, $"{ContextLength} steps of lag context (two seasons of {_options.SeasonLength}) plus one target", nameof(history));
            stored.Add(StoredSeries.From(series, nameof(history)).Truncate(_options.MaxHistoryLength));
        }

        // What the training would find too little is bad input like any other: it throws from the call, before training
        // starts, not from the task after a model has been trained for nothing.
        var tails = stored.ToDictionary(s => s.Partition, s => (int)Math.Floor(_options.ValidationFraction * (s.Values.Length - ContextLength)));
        _trainer.RequireRows(_trainer.RowCount(stored, s => s.Values.Length - tails[s.Partition]), "model that measures the held-out errors (each series without its tail)", nameof(history));
        _trainer.RequireRows(_trainer.RowCount(stored, s => s.Values.Length), "tree model", nameof(history));
        var errors = stored.Sum(s => (long)HeldOutOrigins(tails[s.Partition]));
        if (errors < _options.MinimumResiduals)
        {
            throw new ArgumentException($"The held-out tails ({_options.ValidationFraction:0.##} of each series' steps after its {ContextLength} of context) give {errors} one-step forecast errors; at least MinimumResiduals {_options.MinimumResiduals} are needed to estimate the quantiles. Give more or longer series.", nameof(history));
        }

        return FitCoreAsync(history.Step, stored, tails, progress, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A cheap refit: the new buckets are appended to the retained history and the final model is retrained on it with
    /// the same settings; the error quantiles measured at fit are kept. A partition whose series starts after the
    /// history retained for it (it left the harvest and came back) is retained from this update's data alone; one the
    /// update lacks whose history ends at or before the update's earliest start has left and is forgotten. Concurrent updates (and a
    /// fit finishing meanwhile) each apply on top of the other, none is lost: an update that finds the state replaced
    /// when its training ends appends its buckets to the new state and trains again, and a fit that finishes after an
    /// update started later appends that update's buckets to its own retained series.
    /// </remarks>
    public Task UpdateAsync(LoadHistory recent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recent);
        var state = _state.Current ?? throw NotFitted();
        cancellationToken.ThrowIfCancellationRequested();
        var stored = Merge(state, recent, replaying: false);
        return Task.Run(
            () => _state.PublishUpdate(state, recent, read =>
            {
                var series = ReferenceEquals(read, state) ? stored : Merge(read, recent, replaying: false);
                var model = _trainer.Train(_trainer.Rows(series.Values, s => s.Values.Length), cancellationToken);
                return read with { Model = model, Series = series };
            }),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<LoadForecast> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = _state.Current ?? throw NotFitted();
        cancellationToken.ThrowIfCancellationRequested();

        // Before the request is resolved, whose checks of a horizon too long for any forecast would not say why this one
        // is refused.
        if (request.Horizon > _options.MaxHorizon)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Horizon, $"The request's horizon {request.Horizon} exceeds MaxHorizon {_options.MaxHorizon}, the longest horizon the {Name} model was trained for.");
        }

        var resolved = ResolvedRequest.Resolve(request, _quantiles);
        if (resolved.Step != state.Step)
        {
            throw new ArgumentException($"The history's step is {resolved.Step} but the forecaster was fitted with step {state.Step}.", nameof(request));
        }

        var quantileCount = resolved.Quantiles.Count;
        var offsets = new double[quantileCount];
        var points = new double[resolved.Horizon];
        var results = new List<double[]>(resolved.Series.Count);
        foreach (var series in resolved.Series)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LoadValues.RequireLength(series, ContextLength, $"the tree features need {ContextLength} steps of context (two seasons)", nameof(request));
            var context = LoadValues.Of(series, nameof(request));
            var scale = Predict(state.Model, context, series.End, series.Step, points);
            var output = new double[resolved.Horizon * quantileCount];
            for (var h = 1; h <= resolved.Horizon; h++)
            {
                state.Residuals.Offsets(h, resolved.Quantiles, scale, offsets);
                QuantileValues.Write(points[h - 1], offsets, output.AsSpan((h - 1) * quantileCount, quantileCount));
            }

            results.Add(output);
        }

        return Task.FromResult(resolved.ToForecast(results));
    }

    // Begun in the call, before the training task is scheduled, so an update published while the task waits is replayed
    // too; ended however the task ends (a task cancelled before it started never runs its delegate). A replayed update
    // appends its buckets to the retained series without retraining (the next update trains on them).
    private async Task FitCoreAsync(TimeSpan step, List<StoredSeries> stored, Dictionary<PartitionId, int> tails, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken)
    {
        var fit = _state.BeginFit();
        try
        {
            await Task.Run(
                () =>
                {
                    var outOfFold = _trainer.Train(_trainer.Rows(stored, s => s.Values.Length - tails[s.Partition]), cancellationToken);
                    progress?.Report(new ForecasterProgress(1, 2, double.NaN, double.NaN));
                    var (residuals, validationLoss) = MeasureErrors(outOfFold, stored, tails, cancellationToken);
                    var final = _trainer.Train(_trainer.Rows(stored, s => s.Values.Length), cancellationToken);
                    // Reported before publishing: a consumer that throws fails the fit, which then publishes nothing.
                    progress?.Report(new ForecasterProgress(2, 2, double.NaN, validationLoss));
                    BeforeFitPublishes?.Invoke();
                    _state.PublishFit(fit, new State(step, final, residuals, stored.ToDictionary(s => s.Partition)), (state, recent) => state with { Series = Merge(state, recent, replaying: true) });
                },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _state.EndFit(fit);
        }
    }

    /// <summary>
    /// The retained series of <paramref name="state"/> with <paramref name="recent"/>'s new buckets appended; when
    /// <paramref name="replaying"/> an update on a fit that finished after it, a series the fit's state cannot take (a gap
    /// after the fit's history) is left out rather than the whole update.
    /// </summary>
    /// <exception cref="ArgumentException">Another step, a gap after the retained data, or a bad value.</exception>
    private Dictionary<PartitionId, StoredSeries> Merge(State state, LoadHistory recent, bool replaying)
    {
        if (recent.Step != state.Step)
        {
            throw new ArgumentException($"The history's step is {recent.Step} but the forecaster was fitted with step {state.Step}.", nameof(recent));
        }

        var stored = new Dictionary<PartitionId, StoredSeries>(state.Series);
        foreach (var series in recent.Series)
        {
            try
            {
                stored[series.Partition] = stored.TryGetValue(series.Partition, out var known) && !StoredSeries.ReturnsAfterGap(series, known.End)
                    ? known.Append(series, _options.MaxHistoryLength, nameof(recent))
                    : StoredSeries.From(series, nameof(recent)).Truncate(_options.MaxHistoryLength);
            }
            catch (ArgumentException) when (replaying)
            {
                // The fit's own history stands for this partition.
            }
        }

        DepartedPartitions.Forget(stored, recent, s => s.End);
        return stored;
    }

    /// <summary>Forecasts the <paramref name="points"/>.Length steps after <paramref name="context"/> (ending at <paramref name="end"/>); returns the scale used.</summary>
    private double Predict(TreeEnsembleEvaluator model, ReadOnlySpan<double> context, DateTimeOffset end, TimeSpan step, Span<double> points)
    {
        var m = _options.SeasonLength;
        var scale = LagFeatures.Scale(context, m);
        Span<float> features = stackalloc float[LagFeatures.Count];
        for (var h = 1; h <= points.Length; h++)
        {
            LagFeatures.Write(context, scale, h, end + (step * (h - 1)), step, m, features);
            points[h - 1] = Math.Max(model.Predict(features) * scale, 0);
        }

        return scale;
    }

    /// <summary>Forecasts each series' held-out tail from rolling origins with the out-of-fold model and pools the scaled errors per horizon step.</summary>
    private (HorizonResiduals Residuals, double MeanAbsoluteScaledError) MeasureErrors(TreeEnsembleEvaluator model, List<StoredSeries> stored, Dictionary<PartitionId, int> tails, CancellationToken cancellationToken)
    {
        var horizon = _options.MaxHorizon;
        var pools = new List<double>[horizon];
        for (var h = 0; h < horizon; h++)
        {
            pools[h] = [];
        }

        var points = new double[horizon];
        var absSum = 0.0;
        foreach (var series in stored)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var values = series.Values;
            var tail = tails[series.Partition];
            var stride = HeldOutStride(tail);
            for (var origin = values.Length - tail; origin < values.Length; origin += stride)
            {
                var steps = Math.Min(horizon, values.Length - origin);
                var scale = Predict(model, values.AsSpan(0, origin), series.Start + (series.Step * origin), series.Step, points.AsSpan(0, steps));
                for (var h = 0; h < steps; h++)
                {
                    var error = (values[origin + h] - points[h]) / scale;
                    pools[h].Add(error);
                    if (h == 0)
                    {
                        absSum += Math.Abs(error);
                    }
                }
            }
        }

        var residuals = new HorizonResiduals(pools, _options.MinimumResiduals);
        return (residuals, absSum / Math.Max(residuals.OneStepCount, 1));
    }

    /// <summary>The stride between the rolling origins of a held-out tail: at most <see cref="MaxOriginsPerSeries"/> per series.</summary>
    private static int HeldOutStride(int tail) => Math.Max(1, (tail + MaxOriginsPerSeries - 1) / MaxOriginsPerSeries);

    /// <summary>The rolling origins (each one one-step error) <see cref="MeasureErrors"/> takes from a held-out tail.</summary>
    private static int HeldOutOrigins(int tail) => tail <= 0 ? 0 : (tail + HeldOutStride(tail) - 1) / HeldOutStride(tail);

    private InvalidOperationException NotFitted() => new($"The {Name} forecaster is not fitted; call FitAsync first.");

    private sealed record State(TimeSpan Step, TreeEnsembleEvaluator Model, HorizonResiduals Residuals, IReadOnlyDictionary<PartitionId, StoredSeries> Series);
}
