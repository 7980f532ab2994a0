using PredictiveSharding.Planning.Genetic;

namespace PredictiveSharding.Planning.Tests.Genetic;

/// <summary>
/// The vectorised row maximum behind every peak and overflow the genetic search scores must give exactly what the scalar
/// loop gives, bit for bit, or the planner's plans would change with the machine's vector width.
/// </summary>
public sealed class RowMaxTests
{
    [Test]
    public void Of_WithADelta_EqualsTheScalarLoopBitForBit([Range(0, 21)] int length)
    {
        var random = new Random(length + 100);
        for (var trial = 0; trial < 50; trial++)
        {
            var load = Values(random, length);
            var delta = Values(random, length);
            var sign = random.Next(2) == 0 ? -1.0 : 1.0;
            var scale = random.NextDouble() * 3;

            var expected = double.NegativeInfinity;
            for (var i = 0; i < length; i++)
            {
                expected = Math.Max(expected, (load[i] + (sign * delta[i])) * scale);
            }

            Assert.That(RowMax.Of(load, delta, sign, scale), Is.EqualTo(expected), $"trial {trial}");
        }
    }

    [Test]
    public void Of_WithoutADelta_EqualsTheScalarLoopBitForBit([Range(0, 21)] int length)
    {
        var random = new Random(length + 200);
        for (var trial = 0; trial < 50; trial++)
        {
            var load = Values(random, length);
            var scale = random.NextDouble() * 3;

            var expected = double.NegativeInfinity;
            for (var i = 0; i < length; i++)
            {
                expected = Math.Max(expected, load[i] * scale);
            }

            Assert.That(RowMax.Of(load, scale), Is.EqualTo(expected), $"trial {trial}");
        }
    }

    [Test]
    public void Of_FindsTheMaximumInTheVectorPartAndInTheTail()
    {
        double[] load = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        double[] zero = new double[9];

        Assert.Multiple(() =>
        {
            Assert.That(RowMax.Of(load, 2), Is.EqualTo(18), "the last element, in the scalar tail");
            Assert.That(RowMax.Of(load.AsSpan(0, 8), 2), Is.EqualTo(16), "the last element of the vector part");
            Assert.That(RowMax.Of([9, 1, 1, 1, 1], zero.AsSpan(0, 5), 1, 1), Is.EqualTo(9), "the first element");
            Assert.That(RowMax.Of([-3, -2, -5, -4], 1), Is.EqualTo(-2), "all negative");
            Assert.That(RowMax.Of([], 1), Is.EqualTo(double.NegativeInfinity), "empty");
        });
    }

    /// <summary>Loads of mixed sign and magnitude (a leaving shard's change can make a node's row negative by rounding).</summary>
    private static double[] Values(Random random, int length) =>
        [.. Enumerable.Range(0, length).Select(_ => (random.NextDouble() - 0.2) * Math.Pow(10, random.Next(-3, 4)))];
}
