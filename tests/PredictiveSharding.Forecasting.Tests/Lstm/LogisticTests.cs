using System.Numerics;
using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

public sealed class LogisticTests
{
    [Test]
    public void Sigmoid_OverTheWholeUsefulRange_IsWithinThreeUlpOfDoublePrecision()
    {
        var values = new List<float>();
        for (var v = -104f; v <= 104f; v += 0.0013f)
        {
            values.Add(v);
        }

        var random = new Random(11);
        for (var i = 0; i < 200_000; i++)
        {
            values.Add((float)((random.NextDouble() * 24) - 12));
        }

        values.AddRange([0f, -0f, 1e-30f, -1e-30f, 1e-7f, 88f, -87.3f, -87.4f, 87.5f]);
        var x = values.ToArray();
        var y = new float[x.Length];

        Logistic.Sigmoid(x, y);

        var worst = 0.0;
        var worstAt = 0f;
        for (var i = 0; i < x.Length; i++)
        {
            var exact = 1.0 / (1.0 + Math.Exp(-(double)x[i]));
            if (exact < 1.2e-38)
            {
                continue; // below float's normal range the function returns a tiny normal, not the denormal
            }

            var ulp = MathF.BitIncrement((float)exact) - (float)exact;
            var error = Math.Abs(y[i] - exact) / ulp;
            if (error > worst)
            {
                worst = error;
                worstAt = x[i];
            }
        }

        Assert.That(worst, Is.LessThanOrEqualTo(3.0), $"worst error {worst:F2} ulp at x = {worstAt:R}");
    }

    [Test]
    public void Sigmoid_VectorLanesAndScalarTail_GiveTheSameBits()
    {
        // A value must not change with its position in a block: the vector body and the scalar tail run the same steps.
        var random = new Random(5);
        var x = new float[(Vector<float>.Count * 50) + Vector<float>.Count - 1];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)((random.NextDouble() * 60) - 30);
        }

        var y = new float[x.Length];
        Logistic.Sigmoid(x, y);

        for (var i = 0; i < x.Length; i++)
        {
            Assert.That(BitConverter.SingleToInt32Bits(y[i]), Is.EqualTo(BitConverter.SingleToInt32Bits(Logistic.SigmoidScalar(x[i]))), $"x = {x[i]:R}");
        }
    }

    [Test]
    public void Sigmoid_Extremes_SaturateWithoutOverflowAndNaNStaysNaN()
    {
        float[] x = [float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.MinValue, 200f, -200f, float.NaN];
        // Whole vectors past the inputs, whatever the host's width (4 lanes on Arm64 or without AVX2, 8 with it): one more
        // NaN right after the inputs is then in the vector body, and the NaN among the inputs in the scalar tail below.
        var padded = new float[((x.Length / Vector<float>.Count) + 2) * Vector<float>.Count];
        x.CopyTo(padded, 0);
        padded[x.Length] = float.NaN;
        var y = new float[padded.Length];
        var tail = new float[x.Length];

        Logistic.Sigmoid(padded, y);
        Logistic.Sigmoid(x.AsSpan(0, x.Length), tail);

        foreach (var result in new[] { y, tail })
        {
            Assert.That(result[0], Is.EqualTo(1f));
            Assert.That(result[1], Is.GreaterThanOrEqualTo(0f).And.LessThan(1e-37f));
            Assert.That(result[2], Is.EqualTo(1f));
            Assert.That(result[3], Is.GreaterThanOrEqualTo(0f).And.LessThan(1e-37f));
            Assert.That(result[4], Is.EqualTo(1f));
            Assert.That(result[5], Is.GreaterThanOrEqualTo(0f).And.LessThan(1e-37f));
            Assert.That(result[6], Is.NaN);
        }

        Assert.That(y[x.Length], Is.NaN);
    }

    [Test]
    public void Sigmoid_InPlace_GivesTheSameAsIntoAnotherBuffer()
    {
        var x = Enumerable.Range(0, 101).Select(i => (i - 50) / 7f).ToArray();
        var y = new float[x.Length];
        Logistic.Sigmoid(x, y);

        Logistic.Sigmoid(x, x);

        Assert.That(x, Is.EqualTo(y));
    }

    [Test]
    public void Sigmoid_DestinationShorterThanSource_ThrowsNamingBothLengths()
    {
        var error = Assert.Throws<ArgumentException>(() => Logistic.Sigmoid(new float[9], new float[8]));

        Assert.That(error!.ParamName, Is.EqualTo("y"));
        Assert.That(error.Message, Does.Contain("8").And.Contain("9"));
    }
}
