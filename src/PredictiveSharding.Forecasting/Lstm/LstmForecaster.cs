using System.Globalization;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PredictiveSharding.Forecasting.Features;
using PredictiveSharding.Forecasting.Onnx;
using PredictiveSharding.Forecasting.Persistence;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// A global LSTM forecaster (DeepAR-style): one network trained across all partitions predicts, for each partition, a
/// set of load quantiles for every step of the horizon. Written in C# on System.Numerics.Tensors, with no native code.
/// </summary>
/// <remarks>
/// <para>Input policy: series must hold finite, non-negative loads (at most <see cref="float.MaxValue"/>: the network
/// computes in single precision) on consecutive buckets of one step; gaps,
/// duplicates and unordered buckets are refused where the series is built (<see cref="Telemetry.PartitionLoadSeries"/>),
/// so a host fills a gap (with zero if nothing was served) before handing the history over. Training needs at least
/// context + horizon buckets per series; forecasting at least context buckets.</para>
/// <para>A failed or cancelled <see cref="FitAsync"/> or <see cref="UpdateAsync"/> leaves the previous model in place:
/// training works on a copy that replaces the model only when it has finished.</para>
/// <para>Forecasts may run while a fit or an update trains. An update that finishes after a fit or another update
/// that started later is redone on top of that model rather than replacing it.</para>
/// <para>Only the <see cref="ResourceKind.Requests"/> resource is forecast.</para>
/// </remarks>
public sealed class LstmForecaster : ILoadForecaster
{
    private readonly LstmForecasterOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private volatile LstmModel? _model;

    // Online coverage correction (LstmForecasterOptions.AdaptiveCalibrationRate); null when off or not fitted.
    private volatile AdaptiveCalibration? _adaptive;

    /// <summary>
    /// Tests only: runs on the update's thread after it has read the model and before it trains, so that a test can let a
    /// fit finish in between and check, without depending on timing, that the update then tunes the fit's model.
    /// </summary>
    internal Action? BeforeUpdateTrains { get; set; }

    /// <summary>Creates an untrained forecaster.</summary>
    /// <param name="options">Settings (copied); null uses the defaults.</param>
    /// <param name="logger">Training log; null logs nothing.</param>
    /// <param name="timeProvider">Clock for measuring training time; null uses the system clock.</param>
    /// <exception cref="ArgumentException">An option is out of range (see <see cref="LstmForecasterOptions.Validate"/>).</exception>
    public LstmForecaster(LstmForecasterOptions? options = null, ILogger<LstmForecaster>? logger = null, TimeProvider? timeProvider = null)
    {
        _options = (options ?? new LstmForecasterOptions()).Clone();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    private LstmForecaster(LstmModel model, ILogger? logger, TimeProvider? timeProvider)
    {
        _options = model.Options;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _model = model;
        _adaptive = CreateAdaptive(model);
    }

    /// <inheritdoc />
    public string Name => "lstm";

    /// <inheritdoc />
    public bool IsFitted => _model is not null;

    /// <summary>A copy of the settings in use (for a loaded model, those it was trained with).</summary>
    public LstmForecasterOptions Options => _options.Clone();

    /// <summary>The number of trained parameters (0 before fitting).</summary>
    public int ParameterCount => _model?.Network.Parameters.Length ?? 0;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A series is shorter than context + horizon, or holds a bad value (the message names it), or the options and the history give a network with more parameters than an array holds.</exception>
    public Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(history);
        var options = _options;
        var spec = LstmFeatureSpec.Create(options, history);
        var series = BuildTrainingSeries(spec, history);

        // A shape too large for an array is bad input like any other: it throws from the call, not from the training task.
        LstmModel.RequireRepresentable(options, spec);

        return Task.Run(
            () =>
            {
                var network = LstmModel.CreateNetwork(options, spec);
                network.Initialize(new Random(options.Seed), spec.InitialHeadInput(series));
                var model = Train(options, spec, series, network, options.Epochs, averageWeights: true, null, progress, cancellationToken);
                _adaptive = CreateAdaptive(model);
                _model = model;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Fine-tunes the current weights for <see cref="LstmForecasterOptions.UpdateEpochs"/> epochs on windows of
    /// <paramref name="recent"/>, keeping the feature layout and normalisation of the first fit. No series is kept per
    /// partition, so a partition that left the harvest and came back after a gap is a series like any other (the
    /// baselines likewise start it again from its new data); adaptive calibration scores only the buckets a history holds.
    /// A series shorter than context + horizon (a partition just created by a split) is left out of this update, and
    /// logged (event 3105), rather than failing it for every other partition: it is trained on from the first update
    /// whose history holds enough of it. It can be forecast once it holds a context (<see cref="ForecastAsync"/> refuses
    /// it, naming it, before then). An update in which no series is long enough trains nothing and keeps the model.</remarks>
    /// <exception cref="ArgumentException">The history's step differs from the model's, or a series holds a bad value.</exception>
    public Task UpdateAsync(LoadHistory recent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recent);
        var model = _model ?? throw new InvalidOperationException("The LSTM forecaster is not fitted; call FitAsync before UpdateAsync.");
        CheckStep(model, recent);
        var series = BuildUpdateSeries(model.Spec, recent, _logger);
        _adaptive?.Observe(recent.Series);
        if (series.Length == 0)
        {
            return cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;
        }

        var beforeTraining = BeforeUpdateTrains;
        return Task.Run(
            () =>
            {
                beforeTraining?.Invoke();

                // A fit or another update that finished while this one trained is not overwritten with a tuned copy of the
                // model it replaced: this update is redone on top of it. (Interlocked access inside Publish is a full
                // fence, so the volatile field's ordering is kept.)
#pragma warning disable CS0420
                CopyOnWrite.Publish(ref _model, model, read =>
#pragma warning restore CS0420
                {
                    var windows = series;
                    if (!ReferenceEquals(read, model))
                    {
                        CheckStep(read, recent);
                        windows = BuildUpdateSeries(read.Spec, recent, NullLogger.Instance);
                        if (windows.Length == 0)
                        {
                            return read;
                        }
                    }

                    // A different seed per update keeps successive fine-tunings from replaying the same windows.
                    var seed = unchecked(read.Options.Seed + (int)(recent.Series[0].End.UtcTicks % int.MaxValue));
                    return Train(read.Options, read.Spec, windows, read.Network.Clone(), read.Options.UpdateEpochs, averageWeights: false, read.Calibration, null, cancellationToken, seed);
                });
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Levels other than the trained ones are interpolated linearly between the two nearest trained levels and,
    /// outside the trained range, take the nearest end (as <see cref="LoadForecast.ValueAt"/> does): a model trained up
    /// to 0.99 cannot say more about 0.999. The forecast's origin is the latest end among the requested series.</remarks>
    /// <exception cref="ArgumentException">The request names a partition without history or lists one twice, a series
    /// shorter than the context, a horizon longer than the model's, or a step other than the model's.</exception>
    public Task<LoadForecast> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = _model ?? throw new InvalidOperationException("The LSTM forecaster is not fitted; call FitAsync before ForecastAsync.");
        var history = request.History;
        CheckStep(model, history);
        var spec = model.Spec;
        if (request.Horizon > spec.Horizon)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Horizon {request.Horizon} is longer than the model's horizon {spec.Horizon}; train with a longer LstmForecasterOptions.Horizon."), nameof(request));
        }

        // A copy, checked and then used by the forecast's task: the caller's list, read again once the call had returned,
        // could have changed (a list the host reuses) into levels never checked.
        IReadOnlyList<double> levels = (request.Quantiles ?? model.Options.Quantiles).ToArray();
        LoadForecast.ValidateQuantiles(levels);

        var partitions = request.Partitions ?? history.Series.Select(s => s.Partition).ToList();
        var adaptive = _adaptive;
        var index = new LoadHistoryIndex(history);
        var series = new PartitionLoadSeries[partitions.Count];
        var origin = DateTimeOffset.MinValue;
        var seen = new HashSet<PartitionId>(partitions.Count);
        for (var i = 0; i < partitions.Count; i++)
        {
            var id = partitions[i];
            if (!history.Contains(id))
            {
                throw new ArgumentException($"The forecast request names partition '{id}', which has no series in the history.", nameof(request));
            }

            if (!seen.Add(id))
            {
                throw new ArgumentException($"The forecast request lists partition '{id}' more than once.", nameof(request));
            }

            var s = history.Get(id);
            if (s.Count < spec.ContextLength)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Series '{id}' has {s.Count} buckets; the LSTM needs a context of {spec.ContextLength}."), nameof(request));
            }

            series[i] = s;
            if (s.End > origin)
            {
                origin = s.End;
            }
        }

        var features = BuildFeatures(spec, series, index, model.Options.DegreeOfParallelism);

        // Actuals of earlier forecasts that this history now holds move the adaptive offsets before this forecast uses
        // them; only once the request has passed its checks, so that a refused request changes nothing (scored steps are
        // not scored again, and a load the checks refuse would have counted as an actual).
        adaptive?.Observe(history.Series);
        var starts = features.Select(f => f.Length - spec.ContextLength).ToArray();
        var ends = adaptive is null ? null : series.Select(s => s.End).ToArray();
        return Task.Run(() => Forecast(model, adaptive, features, starts, ends, origin, request.Horizon, levels, cancellationToken), cancellationToken);
    }

    /// <summary>Writes the trained model in the versioned, checksummed binary format that <see cref="Load"/> reads.</summary>
    /// <exception cref="InvalidOperationException">Not fitted.</exception>
    public void Save(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var model = _model ?? throw new InvalidOperationException("The LSTM forecaster is not fitted; there is no model to save.");
        LstmModelSerializer.Write(model, destination);
    }

    /// <summary>Reads a model written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The stream is not a model file, is truncated or corrupted, or has an unsupported version.</exception>
    public static LstmForecaster Load(Stream source, ILogger<LstmForecaster>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new LstmForecaster(LstmModelSerializer.Read(source), logger, timeProvider);
    }

    /// <summary>
    /// Writes the network as an ONNX model (opset 17): standard <c>LSTM</c> nodes, the head and the monotone quantile
    /// transform. Inputs: <c>x</c> <c>[context, batch, features]</c> (already assembled and scaled), <c>future</c>
    /// <c>[batch, horizon·lags]</c> (scaled future lag values) and <c>scale</c> <c>[batch, 1]</c>; output <c>quantiles</c>
    /// <c>[batch, horizon·quantiles]</c> in load units. Feature assembly (including the scale: 1 + the mean of the
    /// context's last season) stays outside the graph, and so do the online offsets of
    /// <see cref="LstmForecasterOptions.AdaptiveCalibrationRate"/>, which are process state rather than part of the model.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not fitted.</exception>
    public void ExportOnnx(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var model = _model ?? throw new InvalidOperationException("The LSTM forecaster is not fitted; there is no model to export.");
        LstmOnnxExporter.Write(model, destination);
    }

    internal LstmModel? Model => _model;

    // previousCalibration: kept when the new data holds out too little to refit the offsets on (a short update).
    private LstmModel Train(LstmForecasterOptions options, LstmFeatureSpec spec, SeriesFeatures[] series, LstmNetwork network, int epochs, bool averageWeights, float[]? previousCalibration, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken, int? seed = null)
    {
        var started = _time.GetTimestamp();
        var trainer = new LstmTrainer(options, spec, series, _logger);
        LstmLog.TrainingStarted(_logger, series.Length, network.Parameters.Length, epochs, options.WindowsPerEpoch);
        try
        {
            trainer.Train(network, epochs, seed ?? unchecked(options.Seed + 1), averageWeights, progress, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
            LstmLog.TrainingAbandoned(_logger, ex);
            throw;
        }
        finally
        {
            LstmMetrics.TrainingWindows.Add(trainer.WindowsTrained);
        }

        var calibration = options.CalibrateQuantiles ? trainer.FitCalibration(network, cancellationToken) ?? previousCalibration : null;
        var seconds = _time.GetElapsedTime(started).TotalSeconds;
        LstmMetrics.TrainingSeconds.Record(seconds);
        LstmLog.TrainingFinished(_logger, seconds, trainer.WindowsTrained, seconds > 0 ? trainer.WindowsTrained / seconds : 0);
        return new LstmModel(options, spec, network, calibration);
    }

    private static SeriesFeatures[] BuildTrainingSeries(LstmFeatureSpec spec, LoadHistory history)
    {
        var index = new LoadHistoryIndex(history);
        var needed = spec.ContextLength + spec.Horizon;
        var result = new SeriesFeatures[history.Series.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var s = history.Series[i];
            if (s.Count < needed)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Series '{s.Partition}' has {s.Count} buckets; training needs at least context {spec.ContextLength} + horizon {spec.Horizon} = {needed}."), nameof(history));
            }

            result[i] = spec.Build(s, index, 0);
        }

        return result;
    }

    /// <summary>
    /// The features of the series of <paramref name="recent"/> long enough to train on (context + horizon), in history
    /// order. The shorter ones are checked for bad values like the rest, then left out and logged: a partition a split has
    /// just created has only a few buckets, and refusing the update for it stopped every other partition's fine-tuning.
    /// </summary>
    private static SeriesFeatures[] BuildUpdateSeries(LstmFeatureSpec spec, LoadHistory recent, ILogger logger)
    {
        var index = new LoadHistoryIndex(recent);
        var needed = spec.ContextLength + spec.Horizon;
        var result = new List<SeriesFeatures>(recent.Series.Count);
        List<PartitionId>? tooShort = null;
        foreach (var s in recent.Series)
        {
            var features = spec.Build(s, index, 0);
            if (s.Count < needed)
            {
                (tooShort ??= []).Add(s.Partition);
            }
            else
            {
                result.Add(features);
            }
        }

        if (tooShort is not null && logger.IsEnabled(LogLevel.Information))
        {
            var names = PartitionNames.Of(tooShort);
            LstmLog.ShortSeriesLeftOut(logger, tooShort.Count, needed, spec.ContextLength, spec.Horizon, names);
        }

        return result.ToArray();
    }

    private static void CheckStep(LstmModel model, LoadHistory history)
    {
        if (history.Step != model.Spec.Step)
        {
            throw new ArgumentException($"The history's step is {history.Step} but the model was trained on {model.Spec.Step}.", nameof(history));
        }
    }

    private static AdaptiveCalibration? CreateAdaptive(LstmModel model) =>
        model.Options.AdaptiveCalibrationRate > 0 ? new AdaptiveCalibration(model.Options.AdaptiveCalibrationRate, model.Levels, model.Spec.Horizon) : null;

    /// <summary>
    /// The features of each series, built in parallel: on one thread they took a quarter of a 10,000-partition forecast.
    /// The series are independent and the index is shared read-only (its calendar cache locks). A bad value is reported
    /// for the first series in request order that has one, as a serial loop would. Like the request's other checks it
    /// runs before the forecast's task starts, so bad input throws from the call; cancellation is the task's.
    /// </summary>
    private static SeriesFeatures[] BuildFeatures(LstmFeatureSpec spec, PartitionLoadSeries[] series, LoadHistoryIndex index, int parallelism)
    {
        var features = new SeriesFeatures[series.Length];
        var errors = new ArgumentException?[series.Length];
        Parallel.For(0, series.Length, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
        {
            var s = series[i];
            try
            {
                features[i] = spec.Build(s, index, Math.Max(0, s.Count - spec.ContextLength - spec.HistoryReach));
            }
            catch (ArgumentException ex)
            {
                errors[i] = ex;
            }
        });

        if (Array.Find(errors, e => e is not null) is { } first)
        {
            ExceptionDispatchInfo.Throw(first);
        }

        return features;
    }

    private static LoadForecast Forecast(LstmModel model, AdaptiveCalibration? adaptive, SeriesFeatures[] features, int[] starts, DateTimeOffset[]? ends, DateTimeOffset origin, int horizon, IReadOnlyList<double> levels, CancellationToken cancellationToken)
    {
        var n = features.Length;
        var net = model.Network;
        var ho = net.HeadOutputSize;
        var q = new float[n * ho];
        var scales = new float[n];
        model.Predict(features, starts, q, scales, null, model.Options.DegreeOfParallelism, cancellationToken);
        if (adaptive is not null && ends is not null)
        {
            adaptive.Apply(q, n);
            for (var i = 0; i < n; i++)
            {
                adaptive.Record(features[i].Partition, ends[i], model.Spec.Step, q.AsSpan(i * ho, ho), scales[i]);
            }
        }
        var trained = model.Options.Quantiles;
        var nq = trained.Count;

        // Per partition in parallel (a tenth of a 10,000-partition forecast on one thread), into the dictionary in order.
        var series = new QuantileSeries[n];
        Parallel.For(
            0,
            n,
            new ParallelOptions { MaxDegreeOfParallelism = model.Options.DegreeOfParallelism, CancellationToken = cancellationToken },
            () => new double[horizon * levels.Count],
            (i, _, values) =>
            {
                var row = q.AsSpan(i * ho, ho);
                var scale = scales[i];
                for (var step = 0; step < horizon; step++)
                {
                    for (var k = 0; k < levels.Count; k++)
                    {
                        values[(step * levels.Count) + k] = Interpolate(row.Slice(step * nq, nq), trained, levels[k], scale);
                    }
                }

                series[i] = new QuantileSeries(horizon, levels.Count, values);
                return values;
            },
            _ => { });

        var result = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>(n);
        for (var i = 0; i < n; i++)
        {
            result[features[i].Partition] = new Dictionary<ResourceKind, QuantileSeries>(1) { [ResourceKind.Requests] = series[i] };
        }

        LstmMetrics.ForecastSeries.Add(n);
        return new LoadForecast(origin, model.Spec.Step, levels, result);
    }

    // Load is never negative: quantiles are clamped at zero after scaling (the exported graph does the same with Relu).
    private static double Interpolate(ReadOnlySpan<float> scaled, IReadOnlyList<double> trained, double level, float scale)
    {
        if (level <= trained[0])
        {
            return Rescale(scaled[0], scale);
        }

        for (var k = 0; k < trained.Count; k++)
        {
            if (Math.Abs(trained[k] - level) < 1e-12)
            {
                return Rescale(scaled[k], scale);
            }

            if (k > 0 && level < trained[k])
            {
                var lo = Rescale(scaled[k - 1], scale);
                var hi = Rescale(scaled[k], scale);
                var t = (level - trained[k - 1]) / (trained[k] - trained[k - 1]);
                return lo + (t * (hi - lo));
            }
        }

        return Rescale(scaled[^1], scale);
    }

    /// <summary>
    /// A scaled quantile in load units, clamped at zero: the single-precision product, as the exported graph computes it,
    /// unless that overflows. Loads up to <see cref="float.MaxValue"/> are accepted, so the scale can be near it and an
    /// upper quantile a little above the scale passes it; the product in double (exact for two floats) is then still
    /// finite, where the float one became +∞ and failed the forecast.
    /// </summary>
    private static double Rescale(float scaled, float scale)
    {
        var product = scaled * scale;
        return float.IsFinite(product) ? Math.Max(0f, product) : Math.Max(0, (double)scaled * scale);
    }
}
