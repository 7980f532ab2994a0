namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// Buffers for the forward pass of a block of rows (series) through the whole context, keeping only the current step:
/// allocated once per thread and reused for every block, so a forecast allocates nothing per step.
/// </summary>
internal sealed class LstmInferenceWorkspace
{
    private readonly LstmNetwork _network;
    private readonly float[][] _z;
    private readonly float[][] _c;
    private readonly float[] _gates;
    private readonly float[] _tanhC;
    private readonly float[] _h;
    private readonly float[] _headIn;
    private readonly float[] _headOut;

    public LstmInferenceWorkspace(LstmNetwork network, int maxRows)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRows);
        _network = network;
        MaxRows = maxRows;
        var h = network.HiddenSize;
        _z = new float[network.Layers][];
        _c = new float[network.Layers][];
        for (var l = 0; l < network.Layers; l++)
        {
            _z[l] = new float[maxRows * (network.LayerInputSize(l) + h)];
            _c[l] = new float[maxRows * h];
        }

        _gates = new float[maxRows * LstmPackedWeights.RoundUp(network.GateWidth, 16)];
        _tanhC = new float[maxRows * h];
        _h = new float[maxRows * h];
        _headIn = new float[maxRows * network.HeadInputSize];
        _headOut = new float[maxRows * network.HeadOutputSize];
    }

    public int MaxRows { get; }

    /// <summary>
    /// Runs <paramref name="rows"/> series through the network and writes their monotone quantiles in scaled units.
    /// </summary>
    /// <param name="weights">Packed weights of the same network.</param>
    /// <param name="x">Inputs <c>[steps × rows × InputSize]</c> (ONNX layout 0).</param>
    /// <param name="steps">Context steps.</param>
    /// <param name="rows">Series in this block, at most <see cref="MaxRows"/>.</param>
    /// <param name="future">Future lag values <c>[rows × FutureSize]</c>.</param>
    /// <param name="quantiles">Receives <c>[rows × Horizon·Quantiles]</c>.</param>
    public void Run(LstmPackedWeights weights, ReadOnlySpan<float> x, int steps, int rows, ReadOnlySpan<float> future, Span<float> quantiles) =>
        Run(weights, x, rows * _network.InputSize, steps, rows, future, quantiles);

    /// <summary>As <see cref="Run(LstmPackedWeights, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, Span{float})"/>,
    /// reading step <c>t</c>'s rows at <c>x[t · stepStride]</c>: a block of a larger <c>[steps × batch × inputs]</c> tensor.</summary>
    public void Run(LstmPackedWeights weights, ReadOnlySpan<float> x, int stepStride, int steps, int rows, ReadOnlySpan<float> future, Span<float> quantiles)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var net = _network;
        if (rows <= 0 || rows > MaxRows)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"rows must be in 1..{MaxRows}.");
        }

        var inputSize = net.InputSize;
        if (stepStride < rows * inputSize || x.Length < ((steps - 1) * stepStride) + (rows * inputSize) || future.Length < rows * net.FutureSize || quantiles.Length < rows * net.HeadOutputSize)
        {
            throw new ArgumentException("Input or output buffers are too small for the rows and steps given.");
        }

        var h = net.HiddenSize;
        var gp = weights.PaddedGateWidth;
        for (var l = 0; l < net.Layers; l++)
        {
            Array.Clear(_z[l], 0, rows * (net.LayerInputSize(l) + h));
            Array.Clear(_c[l], 0, rows * h);
        }

        var gates = _gates.AsSpan(0, rows * gp);
        for (var t = 0; t < steps; t++)
        {
            for (var l = 0; l < net.Layers; l++)
            {
                var inl = net.LayerInputSize(l);
                var k = inl + h;
                var z = _z[l];
                if (l == 0)
                {
                    var xt = x.Slice(t * stepStride, rows * inputSize);
                    for (var r = 0; r < rows; r++)
                    {
                        xt.Slice(r * inputSize, inputSize).CopyTo(z.AsSpan(r * k, inputSize));
                    }
                }

                var bias = weights.ForwardBias[l];
                for (var r = 0; r < rows; r++)
                {
                    bias.AsSpan().CopyTo(gates.Slice(r * gp, gp));
                }

                Gemm.Multiply(rows, gp, k, z, k, 1, weights.Forward[l], gp, gates, gp, accumulate: true);
                var c = _c[l].AsSpan(0, rows * h);
                LstmCell.Forward(gates, rows, gp, h, c, c, _tanhC, _h, CellSigmoid.Logistic);
                var upper = l + 1 < net.Layers ? _z[l + 1] : null;
                var ku = l + 1 < net.Layers ? net.LayerInputSize(l + 1) + h : 0;
                for (var r = 0; r < rows; r++)
                {
                    var hr = _h.AsSpan(r * h, h);
                    hr.CopyTo(z.AsSpan((r * k) + inl, h));
                    if (upper is not null)
                    {
                        hr.CopyTo(upper.AsSpan(r * ku, h));
                    }
                }
            }
        }

        Head(weights, rows, future, quantiles);
    }

    private void Head(LstmPackedWeights weights, int rows, ReadOnlySpan<float> future, Span<float> quantiles)
    {
        var net = _network;
        var h = net.HiddenSize;
        var hi = net.HeadInputSize;
        var ho = net.HeadOutputSize;
        var fs = net.FutureSize;
        for (var r = 0; r < rows; r++)
        {
            _h.AsSpan(r * h, h).CopyTo(_headIn.AsSpan(r * hi, h));
            future.Slice(r * fs, fs).CopyTo(_headIn.AsSpan((r * hi) + h, fs));
            weights.HeadBias.CopyTo(_headOut.AsSpan(r * ho, ho));
        }

        Gemm.Multiply(rows, ho, hi, _headIn, hi, 1, weights.HeadWeights, ho, _headOut, ho, accumulate: true);
        for (var r = 0; r < rows; r++)
        {
            QuantileHead.Monotone(_headOut.AsSpan(r * ho, ho), quantiles.Slice(r * ho, ho), net.Horizon, net.QuantileCount);
        }
    }
}
