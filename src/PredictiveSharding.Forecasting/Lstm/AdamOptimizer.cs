namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>Adam (Kingma &amp; Ba 2015) with the paper's defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8 and bias correction.</summary>
internal sealed class AdamOptimizer
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;
    private readonly float[] _m;
    private readonly float[] _v;
    private long _t;

    public AdamOptimizer(int parameters)
    {
        _m = new float[parameters];
        _v = new float[parameters];
    }

    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, double learningRate)
    {
        _t++;
        var c1 = 1 - Math.Pow(Beta1, _t);
        var c2 = 1 - Math.Pow(Beta2, _t);
        var stepSize = (float)(learningRate * Math.Sqrt(c2) / c1);
        var eps = (float)(Epsilon * Math.Sqrt(c2));
        const float b1 = (float)Beta1;
        const float b2 = (float)Beta2;
        for (var i = 0; i < parameters.Length; i++)
        {
            var g = gradient[i];
            var m = (b1 * _m[i]) + ((1 - b1) * g);
            var v = (b2 * _v[i]) + ((1 - b2) * g * g);
            _m[i] = m;
            _v[i] = v;
            parameters[i] -= stepSize * m / (MathF.Sqrt(v) + eps);
        }
    }
}
