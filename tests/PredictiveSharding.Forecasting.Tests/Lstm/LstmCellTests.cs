using System.Numerics.Tensors;
using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

public sealed class LstmCellTests
{
    // Hidden sizes that use only the vector body (40, the default), body and scalar tail (13), and only the tail (3);
    // a gate stride with padding past 4H, as the packed weights have.
    // Both sigmoids: Logistic (inference) and TensorPrimitives (training).
    [TestCase(40, 160, false)]
    [TestCase(13, 64, false)]
    [TestCase(3, 16, false)]
    [TestCase(40, 160, true)]
    [TestCase(13, 64, true)]
    [TestCase(3, 16, true)]
    public void Forward_MatchesTheLstmEquationsInDoublePrecision(int hidden, int gateStride, bool training)
    {
        var sigmoid = training ? CellSigmoid.TensorPrimitives : CellSigmoid.Logistic;
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

        LstmCell.Forward(gates, rows, gateStride, hidden, cPrev, c, tanhC, h, sigmoid);

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
    public void Forward_WithTensorPrimitives_GivesTensorPrimitivesSigmoidBitForBit()
    {
        // Training relies on this path being exactly TensorPrimitives' arithmetic (CellSigmoid's summary says why).
        const int rows = 4, hidden = 40, stride = 160;
        var random = new Random(17);
        var pre = Enumerable.Range(0, rows * stride).Select(_ => (float)((random.NextDouble() * 10) - 5)).ToArray();
        var cPrev = Enumerable.Range(0, rows * hidden).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        var gates = (float[])pre.Clone();
        var c = new float[cPrev.Length];
        var tanhC = new float[cPrev.Length];
        var h = new float[cPrev.Length];

        LstmCell.Forward(gates, rows, stride, hidden, cPrev, c, tanhC, h, CellSigmoid.TensorPrimitives);

        var expectedGates = new float[pre.Length];
        TensorPrimitives.Sigmoid(pre, expectedGates);
        var expectedC = new float[cPrev.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < hidden; j++)
            {
                var at = r * stride;
                var g = MathF.FusedMultiplyAdd(expectedGates[at + (3 * hidden) + j], 2, -1);
                expectedC[(r * hidden) + j] = MathF.FusedMultiplyAdd(expectedGates[at + (2 * hidden) + j], cPrev[(r * hidden) + j], expectedGates[at + j] * g);
            }
        }

        // One block-wide call over 2c, as the cell makes: TensorPrimitives' scalar fallback for short spans may round
        // differently from its vector lanes.
        var sigmaTwoC = expectedC.Select(x => 2 * x).ToArray();
        TensorPrimitives.Sigmoid(sigmaTwoC, sigmaTwoC);
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < 3 * hidden; j++)
            {
                Assert.That(gates[(r * stride) + j], Is.EqualTo(expectedGates[(r * stride) + j]), $"row {r}, gate lane {j}");
            }

            for (var j = 0; j < hidden; j++)
            {
                var cell = (r * hidden) + j;
                var tc = MathF.FusedMultiplyAdd(sigmaTwoC[cell], 2, -1);
                Assert.That(c[cell], Is.EqualTo(expectedC[cell]), $"row {r}, cell {j}");
                Assert.That(tanhC[cell], Is.EqualTo(tc), $"row {r}, cell {j}");
                Assert.That(h[cell], Is.EqualTo(expectedGates[(r * stride) + hidden + j] * tc), $"row {r}, cell {j}");
            }
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Forward_NewCellStateOverThePrevious_GivesTheSameAsSeparateBuffers(bool training)
    {
        var sigmoid = training ? CellSigmoid.TensorPrimitives : CellSigmoid.Logistic;
        // Inference updates the cell state in place (cPrev and c are one buffer).
        const int rows = 3, hidden = 11, stride = 48;
        var random = new Random(9);
        var pre = Enumerable.Range(0, rows * stride).Select(_ => (float)((random.NextDouble() * 6) - 3)).ToArray();
        var cPrev = Enumerable.Range(0, rows * hidden).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var separate = new float[cPrev.Length];
        var inPlace = (float[])cPrev.Clone();
        var h1 = new float[cPrev.Length];
        var h2 = new float[cPrev.Length];

        LstmCell.Forward((float[])pre.Clone(), rows, stride, hidden, cPrev, separate, new float[cPrev.Length], h1, sigmoid);
        LstmCell.Forward((float[])pre.Clone(), rows, stride, hidden, inPlace, inPlace, new float[cPrev.Length], h2, sigmoid);

        Assert.That(inPlace, Is.EqualTo(separate));
        Assert.That(h2, Is.EqualTo(h1));
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
