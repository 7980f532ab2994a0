using System.Numerics.Tensors;
using Microsoft.Extensions.Logging;

namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// Mini-batch training of a network on windows cut from many series. A batch is split into fixed shards of
/// <see cref="ShardRows"/> windows that run in parallel, each into its own gradient buffer; the buffers are summed in
/// shard order, so the result does not depend on thread timing or on the degree of parallelism.
/// </summary>
internal sealed class LstmTrainer
{
    internal const int ShardRows = 32;
    private const int MaxValidationWindows = 1024;

    private readonly LstmForecasterOptions _options;
    private readonly LstmFeatureSpec _spec;
    private readonly IReadOnlyList<SeriesFeatures> _series;
    private readonly ILogger _logger;
    private readonly int[] _firstStart;
    private readonly long[] _cumulative;
    private readonly List<(int Series, int Start)> _validation = [];
    private readonly List<(int Series, int Start)> _calibration = [];
    private long _heldOutBuckets;

    public LstmTrainer(LstmForecasterOptions options, LstmFeatureSpec spec, IReadOnlyList<SeriesFeatures> series, ILogger logger)
    {
        _options = options;
        _spec = spec;
        _series = series;
        _logger = logger;
        var c = spec.ContextLength;
        var h = spec.Horizon;
        _firstStart = new int[series.Count];
        _cumulative = new long[series.Count];
        long total = 0;
        for (var i = 0; i < series.Count; i++)
        {
            var len = series[i].Length;
            var held = options.ValidationFraction > 0 ? Math.Max(h, (int)Math.Round(options.ValidationFraction * len)) : 0;
            var validated = held > 0 && len - held >= c + h;
            var trainEnd = validated ? len - held : len;
            var lastStart = trainEnd - c - h;

            // Prefer windows whose lags reach real history; short series still give their earliest windows.
            var firstStart = Math.Min(spec.MaxLag, lastStart);
            _firstStart[i] = firstStart;
            total += lastStart - firstStart + 1;
            _cumulative[i] = total;
            if (validated)
            {
                var stride = Math.Max(1, h / 2);
                for (var start = len - h - c; start + c >= trainEnd; start -= stride)
                {
                    _validation.Add((i, start));
                }

                _heldOutBuckets += held;

                // Calibration reads every held-out window (every origin, so every time of day), not only the early-stopping
                // ones: it needs the residual distribution, and more windows make its tail quantiles less noisy.
                for (var start = len - h - c; start + c >= trainEnd; start--)
                {
                    _calibration.Add((i, start));
                }
            }
        }

        TotalWindows = total;
    }

    /// <summary>Distinct training windows available.</summary>
    public long TotalWindows { get; }

    public long WindowsTrained { get; private set; }

    /// <summary>
    /// Trains <paramref name="network"/> in place for up to <paramref name="epochs"/> epochs; with
    /// <paramref name="averageWeights"/> (and <see cref="LstmForecasterOptions.WeightAveraging"/>) the result is the
    /// weight average. Fine-tuning passes false: its few steps move towards a new optimum rather than around one, and an
    /// average would lag behind them.
    /// </summary>
    public void Train(LstmNetwork network, int epochs, int seed, bool averageWeights, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken)
    {
        var options = _options;
        var spec = _spec;
        var levels = options.Quantiles.Select(q => (float)q).ToArray();
        var random = new Random(seed);
        var adam = new AdamOptimizer(network.Parameters.Length);
        var batchSize = options.BatchSize;
        var shardsPerBatch = (batchSize + ShardRows - 1) / ShardRows;
        var workspaces = new LstmTrainingWorkspace[shardsPerBatch];
        for (var s = 0; s < shardsPerBatch; s++)
        {
            workspaces[s] = new LstmTrainingWorkspace(network, Math.Min(ShardRows, batchSize), spec.ContextLength);
        }

        var gradient = new float[network.Parameters.Length];
        var shardLoss = new double[shardsPerBatch];
        var batchSeries = new int[batchSize];
        var batchStart = new int[batchSize];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.DegreeOfParallelism, CancellationToken = cancellationToken };
        var validation = Spread(_validation);
        var weights = new LstmPackedWeights(network);
        var best = double.PositiveInfinity;
        var bestEpoch = 0;
        var bestParameters = (float[])network.Parameters.Clone();
        var sinceBest = 0;
        var clip = (float)options.GradientClipNorm;
        var qh = spec.Horizon * levels.Length;

        // Polyak averaging (an exponential moving average of the weights after every step): the average sits nearer the
        // centre of the region the noisy mini-batch steps wander around than any single iterate, which lowers the
        // validation loss at no cost when forecasting. Validation, early stopping and the kept weights use the average;
        // the optimiser keeps stepping from the raw iterate.
        // The average starts at zero and is divided by 1 − decay^steps (Adam's bias correction), so it holds only the
        // iterates of this run: neither the random initialisation nor, when fine-tuning, the previous weights, which
        // would otherwise damp how far an update can move the model.
        var decay = averageWeights ? WeightAveragingDecay(options, TotalWindows) : 0;
        var average = decay > 0 ? new float[network.Parameters.Length] : null;
        var iterate = average is null ? [] : new float[network.Parameters.Length];
        var averagedSteps = 0;

        // An epoch is at most one pass's worth of the distinct windows, so that on little data early stopping looks at
        // the validation loss after every pass rather than after dozens.
        var windowsPerEpoch = (int)Math.Min(options.WindowsPerEpoch, TotalWindows);
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            double epochLoss = 0;
            long epochPoints = 0;
            for (var done = 0; done < windowsPerEpoch; done += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var rows = Math.Min(batchSize, windowsPerEpoch - done);
                for (var r = 0; r < rows; r++)
                {
                    (batchSeries[r], batchStart[r]) = Sample(random);
                }

                var shards = (rows + ShardRows - 1) / ShardRows;
                var scale = 1f / (rows * qh);
                var packed = weights;
                Parallel.For(0, shards, parallel, s =>
                {
                    var ws = workspaces[s];
                    var first = s * ShardRows;
                    var shardRows = Math.Min(ShardRows, rows - first);
                    for (var r = 0; r < shardRows; r++)
                    {
                        var i = first + r;
                        spec.WriteWindow(_series[batchSeries[i]], batchStart[i], ws.Input, shardRows * ws.InputStride, r * ws.InputStride, ws.Future.AsSpan(r * network.FutureSize, network.FutureSize), ws.Targets.AsSpan(r * spec.Horizon, spec.Horizon));
                    }

                    shardLoss[s] = ws.ForwardBackward(packed, shardRows, levels, scale);
                });

                workspaces[0].Gradient.AsSpan().CopyTo(gradient);
                epochLoss += shardLoss[0];
                for (var s = 1; s < shards; s++)
                {
                    TensorPrimitives.Add(gradient, workspaces[s].Gradient, gradient);
                    epochLoss += shardLoss[s];
                }

                epochPoints += (long)rows * qh;
                var norm = MathF.Sqrt(TensorPrimitives.SumOfSquares(gradient));
                if (!float.IsFinite(norm))
                {
                    throw new InvalidOperationException($"LSTM training diverged at epoch {epoch} (gradient norm {norm}); lower LearningRate (now {options.LearningRate}).");
                }

                if (norm > clip)
                {
                    TensorPrimitives.Multiply(gradient, clip / norm, gradient);
                }

                adam.Step(network.Parameters, gradient, options.LearningRate);
                if (average is not null)
                {
                    // average ← decay·average + (1 − decay)·iterate.
                    TensorPrimitives.Multiply(average, (float)decay, average);
                    TensorPrimitives.MultiplyAdd(network.Parameters, (float)(1 - decay), average, average);
                    averagedSteps++;
                }

                weights = new LstmPackedWeights(network);
                WindowsTrained += rows;
            }

            if (average is not null)
            {
                // Validate (and keep) the averaged weights; the iterate goes back in before the next epoch's steps.
                network.Parameters.AsSpan().CopyTo(iterate);
                TensorPrimitives.Multiply(average, (float)(1 / (1 - Math.Pow(decay, averagedSteps))), network.Parameters);
            }

            var trainingLoss = epochLoss / Math.Max(1, epochPoints);
            var validationLoss = validation is null ? double.NaN : ValidationLoss(network, validation.Value, levels, cancellationToken);
            LstmLog.EpochFinished(_logger, epoch, trainingLoss, validationLoss);
            var stop = false;
            if (validation is not null)
            {
                if (validationLoss < best)
                {
                    best = validationLoss;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    network.Parameters.AsSpan().CopyTo(bestParameters);
                }
                else if (++sinceBest >= options.EarlyStoppingPatience)
                {
                    LstmLog.EarlyStopped(_logger, epoch, bestEpoch, best);
                    stop = true;
                }
            }

            // Reported once the epoch's stopping decision is made: the last report of a fit that stopped early gives the
            // epochs run as the total (Epoch == TotalEpochs marks the last report either way); it said "3 of 60" although
            // training had ended.
            progress?.Report(new ForecasterProgress(epoch, stop ? epoch : epochs, trainingLoss, validationLoss));
            if (stop || epoch == epochs)
            {
                break;
            }

            if (average is not null)
            {
                iterate.AsSpan().CopyTo(network.Parameters);
                weights = new LstmPackedWeights(network);
            }
        }

        // Without validation the model is the last average (or iterate); with it, the best validated one.
        if (validation is not null)
        {
            bestParameters.AsSpan().CopyTo(network.Parameters);
        }
    }

    /// <summary>
    /// The per-step decay of the weight average: <see cref="LstmForecasterOptions.WeightAveraging"/> over about one
    /// epoch's optimiser steps (at least 10), so the average spans the steps between two validations; 0 when off.
    /// </summary>
    internal static double WeightAveragingDecay(LstmForecasterOptions options, long totalWindows)
    {
        if (!options.WeightAveraging)
        {
            return 0;
        }

        var windowsPerEpoch = Math.Min(options.WindowsPerEpoch, totalWindows);
        var steps = Math.Max(10, (windowsPerEpoch + options.BatchSize - 1) / options.BatchSize);
        return 1 - (1.0 / steps);
    }

    private (int Series, int Start) Sample(Random random)
    {
        var pick = random.NextInt64(TotalWindows);
        var i = Array.BinarySearch(_cumulative, pick + 1);
        if (i < 0)
        {
            i = ~i;
        }

        var before = i == 0 ? 0 : _cumulative[i - 1];
        return (i, _firstStart[i] + (int)(pick - before));
    }

    private (SeriesFeatures[] Series, int[] Starts)? Spread(List<(int Series, int Start)> windows)
    {
        if (windows.Count == 0)
        {
            return null;
        }

        var count = Math.Min(MaxValidationWindows, windows.Count);
        var series = new SeriesFeatures[count];
        var starts = new int[count];
        for (var k = 0; k < count; k++)
        {
            // Evenly spread over all candidate windows when there are more than the cap, so no series is favoured.
            var (s, start) = windows[(int)((long)k * windows.Count / count)];
            series[k] = _series[s];
            starts[k] = start;
        }

        return (series, starts);
    }

    /// <summary>
    /// Offsets that recalibrate <paramref name="network"/>'s quantiles on the held-out tail (see <see cref="QuantileCalibration"/>),
    /// or null when fewer than <see cref="QuantileCalibration.MinimumHeldOutBuckets"/> buckets are held out.
    /// </summary>
    public float[]? FitCalibration(LstmNetwork network, CancellationToken cancellationToken)
    {
        if (_heldOutBuckets < QuantileCalibration.MinimumHeldOutBuckets || Spread(_calibration) is not { } set)
        {
            return null;
        }

        var (q, targets) = PredictValidation(network, set, cancellationToken);
        return QuantileCalibration.Fit(q, targets, _options.Quantiles, _spec.Horizon);
    }

    private double ValidationLoss(LstmNetwork network, (SeriesFeatures[] Series, int[] Starts) set, float[] levels, CancellationToken cancellationToken)
    {
        var (q, targets) = PredictValidation(network, set, cancellationToken);
        var n = set.Series.Length;
        var ho = network.HeadOutputSize;
        double loss = 0;
        for (var i = 0; i < n; i++)
        {
            loss += QuantileHead.Pinball(q.AsSpan(i * ho, ho), targets.AsSpan(i * _spec.Horizon, _spec.Horizon), levels, _spec.Horizon);
        }

        return loss / ((double)n * ho);
    }

    // Raw (uncalibrated) quantiles and targets of the held-out windows, in scaled units.
    private (float[] Quantiles, float[] Targets) PredictValidation(LstmNetwork network, (SeriesFeatures[] Series, int[] Starts) set, CancellationToken cancellationToken)
    {
        var model = new LstmModel(_options, _spec, network);
        var n = set.Series.Length;
        var q = new float[n * network.HeadOutputSize];
        var scales = new float[n];
        var targets = new float[n * _spec.Horizon];
        model.Predict(set.Series, set.Starts, q, scales, targets, _options.DegreeOfParallelism, cancellationToken);
        return (q, targets);
    }
}
