namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>A trained model: settings, feature layout, network and its packed weights. Never changed once built.</summary>
internal sealed class LstmModel
{
    /// <summary>Rows per forward block: small enough that a block's gates and inputs stay in L2, large enough to fill the kernel.</summary>
    internal const int TileRows = 64;

    public LstmModel(LstmForecasterOptions options, LstmFeatureSpec spec, LstmNetwork network, float[]? calibration = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(network);
        Options = options;
        Spec = spec;
        Network = network;
        Weights = new LstmPackedWeights(network);
        Levels = options.Quantiles.Select(q => (float)q).ToArray();
        _median = Array.FindIndex(Levels, AdaptiveCalibration.IsMedian);
        if (calibration is not null && calibration.Length != network.HeadOutputSize)
        {
            throw new ArgumentException($"Expected {network.HeadOutputSize} calibration offsets (one per horizon step and quantile level); got {calibration.Length}.", nameof(calibration));
        }

        Calibration = calibration ?? new float[network.HeadOutputSize];
        IsCalibrated = QuantileCalibration.IsActive(Calibration);
    }

    public LstmForecasterOptions Options { get; }

    public LstmFeatureSpec Spec { get; }

    public LstmNetwork Network { get; }

    public LstmPackedWeights Weights { get; }

    public float[] Levels { get; }

    // Index of the median level (calibration leaves it as trained and restores monotonicity outwards from it), or -1.
    private readonly int _median;

    /// <summary>Offsets per horizon step and level (<c>[horizon × levels]</c>, in units of the step's spread) added to the head's quantiles (<see cref="QuantileCalibration"/>); zeros when uncalibrated.</summary>
    public float[] Calibration { get; }

    public bool IsCalibrated { get; }

    /// <summary>Throws unless <see cref="CreateNetwork"/> can allocate the network (see <see cref="LstmNetwork.RequireRepresentable"/>).</summary>
    /// <exception cref="ArgumentException">It has more parameters than an array holds.</exception>
    public static void RequireRepresentable(LstmForecasterOptions options, LstmFeatureSpec spec) =>
        LstmNetwork.RequireRepresentable(spec.InputSize, options.HiddenSize, options.Layers, spec.Horizon, options.Quantiles.Count, spec.FutureWidth);

    public static LstmNetwork CreateNetwork(LstmForecasterOptions options, LstmFeatureSpec spec) =>
        new(spec.InputSize, options.HiddenSize, options.Layers, spec.Horizon, options.Quantiles.Count, spec.FutureWidth);

    /// <summary>The number of parameters <see cref="CreateNetwork"/> would allocate (see <see cref="LstmNetwork.CountParameters"/>).</summary>
    public static long ParameterCount(LstmForecasterOptions options, LstmFeatureSpec spec) =>
        LstmNetwork.CountParameters(spec.InputSize, options.HiddenSize, options.Layers, spec.Horizon, options.Quantiles.Count, spec.FutureWidth);

    /// <summary>
    /// Forward pass for one window per entry, in parallel blocks of <see cref="TileRows"/>. Writes each window's
    /// quantiles in scaled units (<c>[n × Horizon·Quantiles]</c>), its scale, and, when <paramref name="targets"/> is
    /// given, its scaled targets.
    /// </summary>
    public void Predict(IReadOnlyList<SeriesFeatures> series, IReadOnlyList<int> starts, float[] quantiles, float[] scales, float[]? targets, int degreeOfParallelism, CancellationToken cancellationToken)
    {
        var n = series.Count;
        var tiles = (n + TileRows - 1) / TileRows;
        var net = Network;
        var spec = Spec;
        var inputSize = net.InputSize;
        var steps = spec.ContextLength;
        var ho = net.HeadOutputSize;
        var options = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(
            0,
            tiles,
            options,
            () => new PredictScratch(net, steps),
            (tile, _, scratch) =>
            {
                var first = tile * TileRows;
                var rows = Math.Min(TileRows, n - first);
                var stepStride = rows * inputSize;
                for (var r = 0; r < rows; r++)
                {
                    var i = first + r;
                    var target = targets is null ? Span<float>.Empty : targets.AsSpan(i * spec.Horizon, spec.Horizon);
                    scales[i] = spec.WriteWindow(series[i], starts[i], scratch.X, stepStride, r * inputSize, scratch.Future.AsSpan(r * net.FutureSize, net.FutureSize), target);
                }

                scratch.Workspace.Run(Weights, scratch.X, steps, rows, scratch.Future, quantiles.AsSpan(first * ho, rows * ho));
                Calibrate(quantiles.AsSpan(first * ho, rows * ho), rows);
                return scratch;
            },
            _ => { });
    }

    /// <summary>
    /// Forward pass over already assembled inputs (<c>[steps × n × InputSize]</c>, the ONNX layout), in parallel blocks;
    /// writes <c>max(0, q · scale)</c> like the exported graph. Used to compare with ONNX Runtime on the same batch.
    /// </summary>
    public void PredictAssembled(float[] x, float[] future, float[] scale, int n, float[] output, int degreeOfParallelism)
    {
        var net = Network;
        var steps = Spec.ContextLength;
        var ho = net.HeadOutputSize;
        var tiles = (n + TileRows - 1) / TileRows;
        Parallel.For(
            0,
            tiles,
            new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism },
            () => new LstmInferenceWorkspace(net, TileRows),
            (tile, _, workspace) =>
            {
                var first = tile * TileRows;
                var rows = Math.Min(TileRows, n - first);
                var q = output.AsSpan(first * ho, rows * ho);
                workspace.Run(Weights, x.AsSpan(first * net.InputSize), n * net.InputSize, steps, rows, future.AsSpan(first * net.FutureSize, rows * net.FutureSize), q);
                Calibrate(q, rows);
                for (var r = 0; r < rows; r++)
                {
                    var s = scale[first + r];
                    var row = q.Slice(r * ho, ho);
                    for (var j = 0; j < ho; j++)
                    {
                        row[j] = Math.Max(0f, row[j] * s);
                    }
                }

                return workspace;
            },
            _ => { });
    }

    private void Calibrate(Span<float> quantiles, int rows)
    {
        if (!IsCalibrated)
        {
            return;
        }

        var ho = Network.HeadOutputSize;
        for (var r = 0; r < rows; r++)
        {
            QuantileCalibration.Apply(Calibration, quantiles.Slice(r * ho, ho), Spec.Horizon, _median);
        }
    }

    private sealed class PredictScratch
    {
        public PredictScratch(LstmNetwork network, int steps)
        {
            Workspace = new LstmInferenceWorkspace(network, TileRows);
            X = new float[steps * TileRows * network.InputSize];
            Future = new float[TileRows * network.FutureSize];
        }

        public LstmInferenceWorkspace Workspace { get; }

        public float[] X { get; }

        public float[] Future { get; }
    }
}
