using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

public sealed class GemmTests
{
    [TestCase(1, 1, 1)]
    [TestCase(4, 64, 7)]
    [TestCase(5, 160, 55)]
    [TestCase(7, 37, 13)]
    [TestCase(13, 96, 88)]
    [TestCase(3, 8, 2)]
    [TestCase(64, 176, 80)]
    public void Multiply_RowMajorOperands_MatchesNaiveProduct(int m, int n, int k)
    {
        var random = new Random(m * 1000 + n * 10 + k);
        var a = Random(random, m * k);
        var b = Random(random, k * n);
        var c = new float[m * n];

        Gemm.Multiply(m, n, k, a, k, 1, b, n, c, n, accumulate: false);

        Assert.That(c, Is.EqualTo(Naive(m, n, k, (i, p) => a[(i * k) + p], b, n, null)).Within(1e-4f));
    }

    [TestCase(55, 160, 96)]
    [TestCase(6, 19, 5)]
    public void Multiply_TransposedAAndAccumulate_AddsAᵀB(int m, int n, int k)
    {
        var random = new Random(42);
        var at = Random(random, k * m);
        var b = Random(random, k * n);
        var c0 = Random(random, m * n);
        var c = (float[])c0.Clone();

        Gemm.Multiply(m, n, k, at, 1, m, b, n, c, n, accumulate: true);

        Assert.That(c, Is.EqualTo(Naive(m, n, k, (i, p) => at[(p * m) + i], b, n, c0)).Within(1e-4f));
    }

    [Test]
    public void Multiply_ShortOutput_ThrowsArgumentException()
    {
        var a = new float[4];
        var b = new float[4];
        var c = new float[3];

        Assert.That(() => Gemm.Multiply(2, 2, 2, a, 2, 1, b, 2, c, 2, accumulate: false), Throws.ArgumentException);
    }

    private static float[] Random(Random random, int count) => Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();

    private static float[] Naive(int m, int n, int k, Func<int, int, float> a, float[] b, int ldb, float[]? c0)
    {
        var c = new float[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double s = c0 is null ? 0 : c0[(i * n) + j];
                for (var p = 0; p < k; p++)
                {
                    s += a(i, p) * (double)b[(p * ldb) + j];
                }

                c[(i * n) + j] = (float)s;
            }
        }

        return c;
    }
}
