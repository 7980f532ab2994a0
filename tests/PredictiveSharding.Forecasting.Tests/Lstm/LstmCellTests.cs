using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

public sealed class LstmCellTests
{
    // Hidden sizes that use only the vector body (40, the default), body and scalar tail (13), and only the tail (3);
    // a gate stride with padding past 4H, as the packed weights have.
    [TestCase(40, 160)]
    [TestCase(13, 64)]
    [TestCase(3, 16)]
    public void Forward_MatchesTheLstmEquationsInDoublePrecision(int hidden, int gateStride)
    {
        const int rows = 5;
        var random = new Random(hidden);
        var pre = new float[rows * gateStride];
        for (var i = 0; i < pre.Length; i++)
        {
            pre[i] = (float)((random.NextDouble() * 8) - 4);
        }

        var cPrev = new float[rows * hidden];
        for (var i = 0; i < cPrev.Length; i++)
        {
            cPrev[i] = (float)((random.NextDouble() * 4) - 2);
        }

        var gates = (float[])pre.Clone();
        var c = new float[cPrev.Length];
        var tanhC = new float[cPrev.Length];
        var h = new float[cPrev.Length];

        LstmCell.Forward(gates, rows, gateStride, hidden, cPrev, c, tanhC, h);

        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < hidden; j++)
            {
                var at = (r * gateStride) + j;
                var i = Sigmoid(pre[at]);
                var o = Sigmoid(pre[at + hidden]);
                var f = Sigmoid(pre[at + (2 * hidden)]);
                var g = Math.Tanh(pre[at + (3 * hidden)] / 2.0); // the candidate block arrives doubled
                var cn = (f * cPrev[(r * hidden) + j]) + (i * g);
                var cell = (r * hidden) + j;
                Assert.That(gates[at], Is.EqualTo(i).Within(1e-6));
                Assert.That(gates[at + hidden], Is.EqualTo(o).Within(1e-6));
                Assert.That(gates[at + (2 * hidden)], Is.EqualTo(f).Within(1e-6));
                Assert.That(gates[at + (3 * hidden)], Is.EqualTo(g).Within(1e-6));
                Assert.That(c[cell], Is.EqualTo(cn).Within(1e-5));
                Assert.That(tanhC[cell], Is.EqualTo(Math.Tanh(cn)).Within(1e-5));
                Assert.That(h[cell], Is.EqualTo(o * Math.Tanh(cn)).Within(1e-5));
            }
        }
    }

    [Test]
    public void Forward_NewCellStateOverThePrevious_GivesTheSameAsSeparateBuffers()
    {
        // Inference updates the cell state in place (cPrev and c are one buffer).
        const int rows = 3, hidden = 11, stride = 48;
        var random = new Random(9);
        var pre = Enumerable.Range(0, rows * stride).Select(_ => (float)((random.NextDouble() * 6) - 3)).ToArray();
        var cPrev = Enumerable.Range(0, rows * hidden).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var separate = new float[cPrev.Length];
        var inPlace = (float[])cPrev.Clone();
        var h1 = new float[cPrev.Length];
        var h2 = new float[cPrev.Length];

        LstmCell.Forward((float[])pre.Clone(), rows, stride, hidden, cPrev, separate, new float[cPrev.Length], h1);
        LstmCell.Forward((float[])pre.Clone(), rows, stride, hidden, inPlace, inPlace, new float[cPrev.Length], h2);

        Assert.That(inPlace, Is.EqualTo(separate));
        Assert.That(h2, Is.EqualTo(h1));
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
