namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// The network's weights laid out for the kernels, built once per parameter update (not per step): forward gate
/// weights with the cell-candidate columns doubled (so one sigmoid pass over all four gates also yields
/// <c>tanh(x) = 2σ(2x) − 1</c>) and padded to whole vectors, and transposed copies for back-propagation.
/// </summary>
internal sealed class LstmPackedWeights
{
    public LstmPackedWeights(LstmNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Network = network;
        var h = network.HiddenSize;
        var g = network.GateWidth;
        PaddedGateWidth = RoundUp(g, 16);
        Forward = new float[network.Layers][];
        ForwardBias = new float[network.Layers][];
        Transposed = new float[network.Layers][];
        PaddedInputWidth = new int[network.Layers];
        var p = network.Parameters;
        for (var l = 0; l < network.Layers; l++)
        {
            var k = network.LayerInputSize(l) + h;
            var w = network.WeightOffset(l);
            var packed = new float[k * PaddedGateWidth];
            for (var r = 0; r < k; r++)
            {
                for (var c = 0; c < g; c++)
                {
                    var v = p[w + (r * g) + c];
                    packed[(r * PaddedGateWidth) + c] = c >= 3 * h ? 2 * v : v;
                }
            }

            var bias = new float[PaddedGateWidth];
            for (var c = 0; c < g; c++)
            {
                var v = p[network.BiasOffset(l) + c];
                bias[c] = c >= 3 * h ? 2 * v : v;
            }

            var kp = RoundUp(k, 16);
            var transposed = new float[g * kp];
            for (var r = 0; r < k; r++)
            {
                for (var c = 0; c < g; c++)
                {
                    transposed[(c * kp) + r] = p[w + (r * g) + c];
                }
            }

            Forward[l] = packed;
            ForwardBias[l] = bias;
            Transposed[l] = transposed;
            PaddedInputWidth[l] = kp;
        }

        var hi = network.HeadInputSize;
        var ho = network.HeadOutputSize;
        HeadTransposed = new float[ho * hi];
        for (var r = 0; r < hi; r++)
        {
            for (var c = 0; c < ho; c++)
            {
                HeadTransposed[(c * hi) + r] = p[network.HeadWeightOffset + (r * ho) + c];
            }
        }
    }

    public LstmNetwork Network { get; }

    /// <summary>4H rounded up to a multiple of 16 floats: the row stride of gate buffers.</summary>
    public int PaddedGateWidth { get; }

    /// <summary>Per layer, <c>[K_l × PaddedGateWidth]</c>, cell-candidate columns doubled.</summary>
    public float[][] Forward { get; }

    /// <summary>Per layer, <c>[PaddedGateWidth]</c>, cell-candidate entries doubled.</summary>
    public float[][] ForwardBias { get; }

    /// <summary>Per layer, the logical <c>W_lᵀ</c> as <c>[4H × PaddedInputWidth]</c>.</summary>
    public float[][] Transposed { get; }

    /// <summary>Per layer, <c>K_l</c> rounded up to a multiple of 16.</summary>
    public int[] PaddedInputWidth { get; }

    /// <summary>The head's <c>Wᵀ</c> as <c>[HeadOutput × HeadInput]</c>.</summary>
    public float[] HeadTransposed { get; }

    public ReadOnlySpan<float> HeadWeights => Network.Parameters.AsSpan(Network.HeadWeightOffset, Network.HeadInputSize * Network.HeadOutputSize);

    public ReadOnlySpan<float> HeadBias => Network.Parameters.AsSpan(Network.HeadBiasOffset, Network.HeadOutputSize);

    internal static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
