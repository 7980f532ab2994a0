using PredictiveSharding.Keys;
using PredictiveSharding.Planning.SplitKeys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Tests.SplitKeys;

public sealed class SplitKeyChooserTests
{
    private static PartitionInfo Partition(string start, string? end, params (string Key, double Weight)[] samples) =>
        new(new PartitionId("p"), KeyRange.FromStrings(start, end), new NodeId("n"), 1000, 10)
        {
            KeySamples = [.. samples.Select(s => new KeySample(ShardKey.FromString(s.Key), s.Weight))],
        };

    [Test]
    public void Choose_WhenWeightsAreEqual_GivesEqualLoadShares()
    {
        var samples = KeyWeights.From(Partition("a", "z", ("b", 1), ("c", 1), ("d", 1), ("e", 1), ("f", 1), ("g", 1)));

        var proposal = SplitKeyChooser.Choose(samples, 3, loadScale: 1, sizeScale: 0);

        Assert.That(proposal.LoadShares, Is.EqualTo(new[] { 1 / 3.0, 1 / 3.0, 1 / 3.0 }).Within(1e-12));
        Assert.That(proposal.Keys.Select(k => k.ToString()), Is.EqualTo(new[] { "d", "f" }));
    }

    [Test]
    public void Choose_WhenOneKeyIsHeavy_IsolatesIt()
    {
        var samples = KeyWeights.From(Partition("a", "z", ("b", 1), ("c", 1), ("d", 10), ("e", 1), ("f", 1)));

        var proposal = SplitKeyChooser.Choose(samples, 3, loadScale: 1, sizeScale: 0);

        Assert.That(proposal.LoadShares.Max(), Is.EqualTo(10 / 14.0).Within(1e-12), "the heavy key alone is the best a split can do");
        Assert.That(proposal.Keys.Select(k => k.ToString()), Does.Contain("d"));
    }

    [Test]
    public void From_WhenAKeyIsSampledManyTimes_MergesItIntoOneCutPoint()
    {
        var samples = KeyWeights.From(Partition("a", "z", ("m", 1), ("m", 1), ("m", 1), ("q", 1), ("b", 2)));

        Assert.That(samples.Keys.Select(k => k.ToString()), Is.EqualTo(new[] { "b", "m", "q" }));
        Assert.That(samples.Weights, Is.EqualTo(new[] { 2.0, 3.0, 1.0 }));
        Assert.That(samples.Heaviest().Key.ToString(), Is.EqualTo("m"));
    }

    [Test]
    public void From_IgnoresSamplesOutsideTheRange()
    {
        var samples = KeyWeights.From(Partition("c", "f", ("a", 5), ("d", 1), ("f", 5), ("e", 1)));

        Assert.That(samples.Keys.Select(k => k.ToString()), Is.EqualTo(new[] { "d", "e" }));
    }

    [Test]
    public void Choose_WithSizeScale_BalancesDistinctKeysWhenLoadIsNotTheLimit()
    {
        // Load is concentrated on "b", but the size target dominates: children get equal numbers of distinct keys.
        var samples = KeyWeights.From(Partition("a", null, ("b", 100), ("c", 1), ("d", 1), ("e", 1)));

        var proposal = SplitKeyChooser.Choose(samples, 2, loadScale: 0.001, sizeScale: 10);

        Assert.That(proposal.SizeShares, Is.EqualTo(new[] { 0.5, 0.5 }));
        Assert.That(proposal.Keys.Single().ToString(), Is.EqualTo("d"));
    }

    [Test]
    public void Choose_SplitKeysAreSampledKeysStrictlyInsideTheRangeAndAscending()
    {
        // A seeded property check: random multisets of keys (with repeats, keys at the range start, keys outside it).
        string[] alphabet = ["", "a", "aa", "ab", "b", "ba", "c", "ca", "cb", "d", "e", "f", "g", "h", "i"];
        string[] starts = ["", "a", "ab", "b"];
        var random = new Random(4242);
        for (var trial = 0; trial < 300; trial++)
        {
            var start = starts[random.Next(starts.Length)];
            var keys = Enumerable.Range(0, random.Next(2, 30)).Select(_ => (alphabet[random.Next(alphabet.Length)], 1.0 + random.Next(5))).ToArray();
            var partition = Partition(start, "h", keys);
            var samples = KeyWeights.From(partition);
            if (samples.Count < 2)
            {
                continue;
            }

            var ways = Math.Min(2 + random.Next(4), samples.Count);
            var proposal = SplitKeyChooser.Choose(samples, ways, 1 + random.NextDouble(), random.NextDouble());

            var sampled = samples.Keys.ToHashSet();
            Assert.That(proposal.Ways, Is.EqualTo(ways));
            Assert.That(proposal.Keys, Is.Ordered.And.Unique, $"trial {trial}");
            Assert.That(proposal.Keys.All(k => partition.Range.CanSplitAt(k) && sampled.Contains(k)), Is.True, $"trial {trial}");
            Assert.That(proposal.LoadShares.Sum(), Is.EqualTo(1).Within(1e-9));
            Assert.That(proposal.SizeShares.Sum(), Is.EqualTo(1).Within(1e-9));
            Assert.That(proposal.LoadShares, Is.All.GreaterThan(0));
        }
    }

    [Test]
    public void Choose_WhenWaysExceedDistinctKeys_Throws()
    {
        var samples = KeyWeights.From(Partition("a", "z", ("b", 1), ("c", 1)));

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SplitKeyChooser.Choose(samples, 3, 1, 0));
        Assert.That(ex!.ParamName, Is.EqualTo("ways"));
    }
}
