namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// Forward pass with every step's activations kept, the pinball loss, and back-propagation through time for one shard
/// of a mini-batch. Each training thread owns one, with its own gradient buffer, so shards never share writes.
/// </summary>
internal sealed class LstmTrainingWorkspace
{
    private readonly LstmNetwork _network;
    private readonly float[][] _z;
    private readonly float[][] _act;
    private readonly float[][] _c;
    private readonly float[][] _tanhC;
    private readonly float[][] _h;
    private readonly float[][] _dGates;
    private readonly float[][] _dhExternal;
    private readonly float[] _dz;
    private readonly float[] _dhTotal;
    private readonly float[] _dc;
    private readonly float[] _dhRecurrent;
    private readonly float[] _headIn;
    private readonly float[] _headRaw;
    private readonly float[] _headQuantiles;
    private readonly float[] _dq;
    private readonly float[] _dHeadRaw;

    public LstmTrainingWorkspace(LstmNetwork network, int maxRows, int steps)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        _network = network;
        MaxRows = maxRows;
        Steps = steps;
        var h = network.HiddenSize;
        var gp = LstmPackedWeights.RoundUp(network.GateWidth, 16);
        var layers = network.Layers;
        _z = new float[layers][];
        _act = new float[layers][];
        _c = new float[layers][];
        _tanhC = new float[layers][];
        _h = new float[layers][];
        _dGates = new float[layers][];
        _dhExternal = new float[layers][];
        var maxK = 0;
        for (var l = 0; l < layers; l++)
        {
            var k = network.LayerInputSize(l) + h;
            maxK = Math.Max(maxK, LstmPackedWeights.RoundUp(k, 16));
            _z[l] = new float[steps * maxRows * k];
            _act[l] = new float[steps * maxRows * gp];
            _c[l] = new float[(steps + 1) * maxRows * h];
            _tanhC[l] = new float[steps * maxRows * h];
            _h[l] = new float[steps * maxRows * h];
            _dGates[l] = new float[steps * maxRows * network.GateWidth];
            _dhExternal[l] = new float[steps * maxRows * h];
        }

        _dz = new float[maxRows * maxK];
        _dhTotal = new float[maxRows * h];
        _dc = new float[maxRows * h];
        _dhRecurrent = new float[maxRows * h];
        _headIn = new float[maxRows * network.HeadInputSize];
        _headRaw = new float[maxRows * network.HeadOutputSize];
        _headQuantiles = new float[maxRows * network.HeadOutputSize];
        _dq = new float[maxRows * network.HeadOutputSize];
        _dHeadRaw = new float[maxRows * network.HeadOutputSize];
        Future = new float[maxRows * network.FutureSize];
        Targets = new float[maxRows * network.Horizon];
        Gradient = new float[network.Parameters.Length];
    }

    public int MaxRows { get; }

    public int Steps { get; }

    /// <summary>Where the caller writes the first layer's inputs: step <c>t</c>, row <c>r</c> starts at <see cref="InputOffset"/>.</summary>
    public float[] Input => _z[0];

    /// <summary>The row stride of <see cref="Input"/> (the first layer's input plus hidden width).</summary>
    public int InputStride => _network.InputSize + _network.HiddenSize;

    /// <summary>Future lag values, <c>[rows × FutureSize]</c>.</summary>
    public float[] Future { get; }

    /// <summary>Scaled targets, <c>[rows × Horizon]</c>.</summary>
    public float[] Targets { get; }

    /// <summary>The gradient of the last <see cref="ForwardBackward"/> call, laid out like the parameters.</summary>
    public float[] Gradient { get; }

    /// <summary>The monotone quantiles of the last forward pass, <c>[rows × Horizon·Quantiles]</c>, in scaled units.</summary>
    public ReadOnlySpan<float> HeadQuantiles => _headQuantiles;

    public int InputOffset(int step, int row, int rows) => ((step * rows) + row) * InputStride;

    /// <summary>
    /// Runs <paramref name="rows"/> windows forward, scores them, and writes the gradient of
    /// <c>gradientScale × Σ pinball</c> into <see cref="Gradient"/>. Returns the unscaled pinball sum.
    /// </summary>
    public double ForwardBackward(LstmPackedWeights weights, int rows, ReadOnlySpan<float> levels, float gradientScale)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (rows <= 0 || rows > MaxRows)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"rows must be in 1..{MaxRows}.");
        }

        Forward(weights, rows);
        var net = _network;
        var ho = net.HeadOutputSize;
        double loss = 0;
        for (var r = 0; r < rows; r++)
        {
            var q = _headQuantiles.AsSpan(r * ho, ho);
            var dq = _dq.AsSpan(r * ho, ho);
            loss += QuantileHead.Pinball(q, Targets.AsSpan(r * net.Horizon, net.Horizon), levels, net.Horizon, dq, gradientScale);
            QuantileHead.MonotoneBackward(_headRaw.AsSpan(r * ho, ho), dq, _dHeadRaw.AsSpan(r * ho, ho), net.Horizon, net.QuantileCount);
        }

        Backward(weights, rows);
        return loss;
    }

    /// <summary>Forward only; returns the pinball sum (for validation and gradient checks).</summary>
    public double Loss(LstmPackedWeights weights, int rows, ReadOnlySpan<float> levels)
    {
        Forward(weights, rows);
        var net = _network;
        var ho = net.HeadOutputSize;
        double loss = 0;
        for (var r = 0; r < rows; r++)
        {
            loss += QuantileHead.Pinball(_headQuantiles.AsSpan(r * ho, ho), Targets.AsSpan(r * net.Horizon, net.Horizon), levels, net.Horizon);
        }

        return loss;
    }

    private void Forward(LstmPackedWeights weights, int rows)
    {
        var net = _network;
        var h = net.HiddenSize;
        var gp = weights.PaddedGateWidth;
        var steps = Steps;
        for (var l = 0; l < net.Layers; l++)
        {
            var k = net.LayerInputSize(l) + h;
            var inl = net.LayerInputSize(l);
            var z0 = _z[l];
            for (var r = 0; r < rows; r++)
            {
                Array.Clear(z0, (r * k) + inl, h);
            }

            Array.Clear(_c[l], 0, rows * h);
        }

        for (var t = 0; t < steps; t++)
        {
            for (var l = 0; l < net.Layers; l++)
            {
                var inl = net.LayerInputSize(l);
                var k = inl + h;
                var zt = _z[l].AsSpan(t * rows * k, rows * k);
                var gates = _act[l].AsSpan(t * rows * gp, rows * gp);
                var bias = weights.ForwardBias[l];
                for (var r = 0; r < rows; r++)
                {
                    bias.AsSpan().CopyTo(gates.Slice(r * gp, gp));
                }

                Gemm.Multiply(rows, gp, k, zt, k, 1, weights.Forward[l], gp, gates, gp, accumulate: true);
                var cPrev = _c[l].AsSpan(t * rows * h, rows * h);
                var c = _c[l].AsSpan((t + 1) * rows * h, rows * h);
                var tc = _tanhC[l].AsSpan(t * rows * h, rows * h);
                var ht = _h[l].AsSpan(t * rows * h, rows * h);
                LstmCell.Forward(gates, rows, gp, h, cPrev, c, tc, ht, CellSigmoid.TensorPrimitives);
                var ku = l + 1 < net.Layers ? net.LayerInputSize(l + 1) + h : 0;
                for (var r = 0; r < rows; r++)
                {
                    var hr = ht.Slice(r * h, h);
                    if (t + 1 < steps)
                    {
                        hr.CopyTo(_z[l].AsSpan((((t + 1) * rows) + r) * k + inl, h));
                    }

                    if (l + 1 < net.Layers)
                    {
                        hr.CopyTo(_z[l + 1].AsSpan(((t * rows) + r) * ku, h));
                    }
                }
            }
        }

        var hi = net.HeadInputSize;
        var ho = net.HeadOutputSize;
        var fs = net.FutureSize;
        var top = _h[net.Layers - 1];
        for (var r = 0; r < rows; r++)
        {
            top.AsSpan((((steps - 1) * rows) + r) * h, h).CopyTo(_headIn.AsSpan(r * hi, h));
            Future.AsSpan(r * fs, fs).CopyTo(_headIn.AsSpan((r * hi) + h, fs));
            weights.HeadBias.CopyTo(_headRaw.AsSpan(r * ho, ho));
        }

        Gemm.Multiply(rows, ho, hi, _headIn, hi, 1, weights.HeadWeights, ho, _headRaw, ho, accumulate: true);
        for (var r = 0; r < rows; r++)
        {
            QuantileHead.Monotone(_headRaw.AsSpan(r * ho, ho), _headQuantiles.AsSpan(r * ho, ho), net.Horizon, net.QuantileCount);
        }
    }

    private void Backward(LstmPackedWeights weights, int rows)
    {
        var net = _network;
        var h = net.HiddenSize;
        var g = net.GateWidth;
        var gp = weights.PaddedGateWidth;
        var hi = net.HeadInputSize;
        var ho = net.HeadOutputSize;
        var steps = Steps;
        var grad = Gradient.AsSpan();
        grad.Clear();

        // Head: dW = inᵀ·dz, db = Σ dz, and the gradient reaching the top layer's last hidden state.
        Gemm.Multiply(hi, ho, rows, _headIn, 1, hi, _dHeadRaw, ho, grad.Slice(net.HeadWeightOffset, hi * ho), ho, accumulate: true);
        var hb = grad.Slice(net.HeadBiasOffset, ho);
        for (var r = 0; r < rows; r++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(hb, _dHeadRaw.AsSpan(r * ho, ho), hb);
        }

        var topExternal = _dhExternal[net.Layers - 1];
        Array.Clear(topExternal, 0, steps * rows * h);
        Gemm.Multiply(rows, h, ho, _dHeadRaw, ho, 1, weights.HeadTransposed, hi, topExternal.AsSpan((steps - 1) * rows * h, rows * h), h, accumulate: false);

        for (var l = net.Layers - 1; l >= 0; l--)
        {
            var inl = net.LayerInputSize(l);
            var k = inl + h;
            var kp = weights.PaddedInputWidth[l];
            var dc = _dc.AsSpan(0, rows * h);
            var dhRec = _dhRecurrent.AsSpan(0, rows * h);
            var dhTotal = _dhTotal.AsSpan(0, rows * h);
            dc.Clear();
            dhRec.Clear();
            var external = _dhExternal[l];
            var below = l > 0 ? _dhExternal[l - 1] : null;
            for (var t = steps - 1; t >= 0; t--)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(external.AsSpan(t * rows * h, rows * h), dhRec, dhTotal);
                var dGates = _dGates[l].AsSpan(t * rows * g, rows * g);
                LstmCell.Backward(_act[l].AsSpan(t * rows * gp, rows * gp), gp, h, rows, _c[l].AsSpan(t * rows * h, rows * h), _tanhC[l].AsSpan(t * rows * h, rows * h), dhTotal, dc, dGates, g);
                if (t == 0 && below is null)
                {
                    break;
                }

                var dz = _dz.AsSpan(0, rows * kp);
                Gemm.Multiply(rows, k, g, dGates, g, 1, weights.Transposed[l], kp, dz, kp, accumulate: false);
                for (var r = 0; r < rows; r++)
                {
                    dz.Slice((r * kp) + inl, h).CopyTo(dhRec.Slice(r * h, h));
                    if (below is not null)
                    {
                        dz.Slice(r * kp, inl).CopyTo(below.AsSpan(((t * rows) + r) * h, h));
                    }
                }
            }

            var tr = steps * rows;
            Gemm.Multiply(k, g, tr, _z[l], 1, k, _dGates[l], g, grad.Slice(net.WeightOffset(l), k * g), g, accumulate: true);
            var db = grad.Slice(net.BiasOffset(l), g);
            for (var r = 0; r < tr; r++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(db, _dGates[l].AsSpan(r * g, g), db);
            }
        }
    }
}
