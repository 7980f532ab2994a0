using PredictiveSharding.Planning.Guards;

namespace PredictiveSharding.Planning.Tests.Guards;

public class GrowthEnvelopeTests
{
    [Test]
    public void At_IsOneUntilGrowthIsSeen()
    {
        var envelope = new GrowthEnvelope();

        Assert.Multiple(() =>
        {
            Assert.That(envelope.IsEmpty);
            Assert.That(envelope.At(0.3), Is.EqualTo(1));
        });

        envelope.Add(0.3, 0.8);
        Assert.Multiple(() =>
        {
            Assert.That(envelope.IsEmpty, Is.False);
            Assert.That(envelope.At(0.3), Is.EqualTo(1), "a fall is no growth");
        });
    }

    [Test]
    public void At_JudgesALoadByTheGrowthOfLoadsAtLeastAsLarge()
    {
        // A trickle (5% of a node) jumped 5×, a large range (40%) 2×: a range of 40% is bounded by 2×, a small one by the 5×.
        var envelope = new GrowthEnvelope();
        envelope.Add(0.05, 5);
        envelope.Add(0.4, 2);

        Assert.Multiple(() =>
        {
            Assert.That(envelope.At(0.4), Is.EqualTo(2));
            Assert.That(envelope.At(0.05), Is.EqualTo(5));
            Assert.That(envelope.At(0.2), Is.EqualTo(2), "between the two: only growth from loads at least this large counts");
        });
    }

    [Test]
    public void At_UsesTheLargestLoadsSeenWhenNothingAsLargeGrew()
    {
        // Nothing was ever seen from 3 × a node: the evidence nearest is the 2× from 40%.
        var envelope = new GrowthEnvelope();
        envelope.Add(0.05, 5);
        envelope.Add(0.4, 2);

        Assert.That(envelope.At(3), Is.EqualTo(2));
    }

    [Test]
    public void Add_IgnoresValuesThatAreNotPositiveFiniteNumbers()
    {
        var envelope = new GrowthEnvelope();
        envelope.Add(double.NaN, 3);
        envelope.Add(0.2, double.NaN);
        envelope.Add(0, 3);
        envelope.Add(0.2, -1);
        envelope.Add(0.2, double.PositiveInfinity);
        envelope.Add(double.PositiveInfinity, 3);

        Assert.That(envelope.IsEmpty);
    }
}
