using PredictiveSharding.Keys;

namespace PredictiveSharding.Core.Tests.Keys;

public sealed class KeyRangeTests
{
    [Test]
    public void Constructor_WhenEndNotAfterStart_ThrowsNamingBothKeys()
    {
        var ex = Assert.Throws<ArgumentException>(() => KeyRange.FromStrings("m", "c"));
        Assert.That(ex!.Message, Does.Contain("'c'").And.Contain("'m'"));
    }

    [Test]
    public void Contains_IsHalfOpen()
    {
        var range = KeyRange.FromStrings("b", "d");
        Assert.That(range.Contains(ShardKey.FromString("b")), Is.True);
        Assert.That(range.Contains(ShardKey.FromString("c")), Is.True);
        Assert.That(range.Contains(ShardKey.FromString("d")), Is.False);
        Assert.That(range.Contains(ShardKey.FromString("a")), Is.False);
        Assert.That(KeyRange.Full.Contains(ShardKey.FromBytes([0xFF, 0xFF])), Is.True);
    }

    [Test]
    public void SplitAt_ProducesAdjacentRanges()
    {
        var parts = KeyRange.FromStrings("a", null).SplitAt([ShardKey.FromString("f"), ShardKey.FromString("p")]);
        Assert.That(parts.Select(p => p.ToString()), Is.EqualTo(new[] { "[\"a\", \"f\")", "[\"f\", \"p\")", "[\"p\", +inf)" }));
    }

    [Test]
    public void SplitAt_KeyAtStartOrOutside_ThrowsNamingKey()
    {
        var range = KeyRange.FromStrings("b", "d");
        Assert.That(() => range.SplitAt([ShardKey.FromString("b")]), Throws.ArgumentException.With.Message.Contains("'b'"));
        Assert.That(() => range.SplitAt([ShardKey.FromString("x")]), Throws.ArgumentException.With.Message.Contains("'x'"));
    }

    [Test]
    public void SplitAt_UnorderedKeys_Throws()
    {
        var range = KeyRange.Full;
        Assert.That(() => range.SplitAt([ShardKey.FromString("m"), ShardKey.FromString("c")]), Throws.ArgumentException.With.Message.Contains("ascending"));
    }

    [Test]
    public void Overlaps_AndCovers_HandleOpenEnds()
    {
        var left = KeyRange.FromStrings("", "m");
        var right = KeyRange.FromStrings("m", null);
        Assert.That(left.Overlaps(right), Is.False);
        Assert.That(KeyRange.Full.Overlaps(right), Is.True);
        Assert.That(KeyRange.Full.Covers(right), Is.True);
        Assert.That(left.Covers(KeyRange.Full), Is.False);
    }
}
