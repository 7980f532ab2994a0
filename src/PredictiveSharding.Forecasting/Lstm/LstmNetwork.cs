using System.Globalization;

namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// The parameters of the network: stacked LSTM layers and a quantile head, all in one flat array so that the
/// optimiser, the gradient buffers and the file format treat them alike.
/// </summary>
/// <remarks>
/// Layer <c>l</c> has <c>W_l</c> of <c>[K_l × 4H]</c> (rows: the layer's input features, then its previous hidden state;
/// <c>K_l = I_l + H</c>) and a bias <c>b_l</c> of <c>[4H]</c>. Gate columns follow ONNX's order i, o, f, c so the export
/// is a transpose and nothing else. The head maps <c>[h_T, future lags]</c> (<c>H + Horizon·Lags</c>) to
/// <c>Horizon·Quantiles</c> raw outputs that <see cref="QuantileHead"/> makes monotone.
/// </remarks>
internal sealed class LstmNetwork
{
    private readonly int[] _weightOffsets;
    private readonly int[] _biasOffsets;

    public LstmNetwork(int inputSize, int hiddenSize, int layers, int horizon, int quantiles, int lagCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizon);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantiles);
        ArgumentOutOfRangeException.ThrowIfNegative(lagCount);

        // Counted in long first: options that each pass validation can together ask for more parameters than an array
        // holds, and the int offsets below then wrapped round (a negative array size, or an array of the wrong size).
        RequireRepresentable(inputSize, hiddenSize, layers, horizon, quantiles, lagCount);
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Layers = layers;
        Horizon = horizon;
        QuantileCount = quantiles;
        LagCount = lagCount;
        _weightOffsets = new int[layers];
        _biasOffsets = new int[layers];
        var offset = 0;
        var tensors = new List<ParameterTensor>();
        for (var l = 0; l < layers; l++)
        {
            _weightOffsets[l] = offset;
            tensors.Add(new ParameterTensor($"layer{l}.W", offset, LayerInputSize(l) + hiddenSize, GateWidth));
            offset += (LayerInputSize(l) + hiddenSize) * GateWidth;
            _biasOffsets[l] = offset;
            tensors.Add(new ParameterTensor($"layer{l}.b", offset, 1, GateWidth));
            offset += GateWidth;
        }

        HeadWeightOffset = offset;
        tensors.Add(new ParameterTensor("head.W", offset, HeadInputSize, HeadOutputSize));
        offset += HeadInputSize * HeadOutputSize;
        HeadBiasOffset = offset;
        tensors.Add(new ParameterTensor("head.b", offset, 1, HeadOutputSize));
        offset += HeadOutputSize;
        Tensors = tensors;
        Parameters = new float[offset];
    }

    public int InputSize { get; }

    public int HiddenSize { get; }

    public int Layers { get; }

    public int Horizon { get; }

    public int QuantileCount { get; }

    /// <summary>Seasonal lags whose future values feed the head directly (one per horizon step and lag).</summary>
    public int LagCount { get; }

    public int GateWidth => 4 * HiddenSize;

    public int FutureSize => Horizon * LagCount;

    public int HeadInputSize => HiddenSize + FutureSize;

    public int HeadOutputSize => Horizon * QuantileCount;

    public int HeadWeightOffset { get; }

    public int HeadBiasOffset { get; }

    public float[] Parameters { get; }

    public IReadOnlyList<ParameterTensor> Tensors { get; }

    public int LayerInputSize(int layer) => layer == 0 ? InputSize : HiddenSize;

    public int WeightOffset(int layer) => _weightOffsets[layer];

    public int BiasOffset(int layer) => _biasOffsets[layer];

    /// <summary>Multiply-add count of one window's forward pass (one FMA counted as two FLOPs by callers).</summary>
    public long ForwardMultiplyAdds(int contextLength)
    {
        long perStep = 0;
        for (var l = 0; l < Layers; l++)
        {
            perStep += (long)(LayerInputSize(l) + HiddenSize) * GateWidth;
        }

        return (perStep * contextLength) + ((long)HeadInputSize * HeadOutputSize);
    }

    /// <summary>
    /// The number of parameters of a network of this shape, in long so that a shape too large for an array is reported
    /// rather than wrapped round; checked before anything that size is allocated (a fit, a model file's load).
    /// </summary>
    public static long CountParameters(int inputSize, int hiddenSize, int layers, int horizon, int quantiles, int lagCount)
    {
        long gates = 4L * hiddenSize;
        long count = 0;
        for (var l = 0; l < layers; l++)
        {
            count += ((l == 0 ? inputSize : hiddenSize) + (long)hiddenSize + 1) * gates;
        }

        long headOutput = (long)horizon * quantiles;
        return count + ((hiddenSize + ((long)horizon * lagCount) + 1) * headOutput);
    }

    /// <summary>Throws unless a network of this shape has at most <see cref="Array.MaxLength"/> parameters.</summary>
    /// <exception cref="ArgumentException">It has more; the message gives the count and the shape.</exception>
    public static void RequireRepresentable(int inputSize, int hiddenSize, int layers, int horizon, int quantiles, int lagCount)
    {
        var count = CountParameters(inputSize, hiddenSize, layers, horizon, quantiles, lagCount);
        if (count > Array.MaxLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The LSTM network would have {count:N0} parameters ({layers} layers of {hiddenSize} on {inputSize} inputs; a head from {hiddenSize} + {horizon} steps × {lagCount} lags to {horizon} steps × {quantiles} quantile levels), more than the {Array.MaxLength:N0} an array holds; shorten the horizon, or use fewer quantile levels, seasonal lags or hidden units."));
        }
    }

    public LstmNetwork Clone()
    {
        var copy = new LstmNetwork(InputSize, HiddenSize, Layers, Horizon, QuantileCount, LagCount);
        Parameters.AsSpan().CopyTo(copy.Parameters);
        return copy;
    }

    /// <summary>
    /// Initialises like PyTorch's LSTM (uniform ±1/√H) with the forget-gate bias at 1 (Jozefowicz et al. 2015), a small
    /// head, and a head that starts as the seasonal-naive forecast (first lag copied to the lowest quantile, small
    /// increments above it), so training learns a correction to seasonal naive rather than the season itself.
    /// </summary>
    /// <param name="random">The source of the initial weights.</param>
    /// <param name="seasonalInput">Which of a horizon step's future inputs the head starts by copying (0: the first
    /// lag's seasonal-naive value; the first lag's seasonal median when the feature layout has one and it fits better).</param>
    public void Initialize(Random random, int seasonalInput = 0)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (seasonalInput < 0 || (LagCount > 0 && seasonalInput >= LagCount))
        {
            throw new ArgumentOutOfRangeException(nameof(seasonalInput), seasonalInput, $"The head has {LagCount} future inputs per horizon step.");
        }

        var p = Parameters;
        Array.Clear(p);
        var bound = 1.0 / Math.Sqrt(HiddenSize);
        var h = HiddenSize;
        for (var l = 0; l < Layers; l++)
        {
            var w = WeightOffset(l);
            var count = (LayerInputSize(l) + h) * GateWidth;
            for (var i = 0; i < count; i++)
            {
                p[w + i] = (float)(((random.NextDouble() * 2) - 1) * bound);
            }

            var b = BiasOffset(l);
            for (var j = 0; j < h; j++)
            {
                p[b + (2 * h) + j] = 1f;
            }
        }

        var headBound = 0.1 / Math.Sqrt(HeadInputSize);
        for (var i = 0; i < HeadInputSize * HeadOutputSize; i++)
        {
            p[HeadWeightOffset + i] = (float)(((random.NextDouble() * 2) - 1) * headBound);
        }

        for (var step = 0; step < Horizon; step++)
        {
            if (LagCount > 0)
            {
                var row = HiddenSize + (step * LagCount) + seasonalInput;
                p[HeadWeightOffset + (row * HeadOutputSize) + (step * QuantileCount)] += 1f;
            }

            for (var q = 1; q < QuantileCount; q++)
            {
                // softplus(-3) ≈ 0.05: quantiles start close together, just above the lowest.
                p[HeadBiasOffset + (step * QuantileCount) + q] = -3f;
            }
        }
    }
}
