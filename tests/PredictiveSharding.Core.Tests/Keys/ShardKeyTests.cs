using PredictiveSharding.Keys;

namespace PredictiveSharding.Core.Tests.Keys;

public sealed class ShardKeyTests
{
    [Test]
    public void Compare_OrdersBytesUnsignedWithPrefixFirst()
    {
        var keys = new[] { ShardKey.FromBytes([0xFF]), ShardKey.FromString("b"), ShardKey.Empty, ShardKey.FromString("ab"), ShardKey.FromString("a") };
        Array.Sort(keys);
        Assert.That(keys.Select(k => k.ToString()), Is.EqualTo(new[] { "", "a", "ab", "b", "0xFF" }));
    }

    [Test]
    public void FromBytes_CopiesInput_SoLaterChangesDoNotLeak()
    {
        var bytes = new byte[] { 1, 2, 3 };
        var key = ShardKey.FromBytes(bytes);
        bytes[0] = 9;
        Assert.That(key.Span.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [TestCase("user:42")]
    [TestCase("")]
    [TestCase("ключ")]
    public void Parse_OfToString_RoundTrips(string text)
    {
        var key = ShardKey.FromString(text);
        Assert.That(ShardKey.Parse(key.ToString()), Is.EqualTo(key));
    }

    [Test]
    public void ToString_OfBinaryKey_IsHexThatParsesBack()
    {
        var key = ShardKey.FromBytes([0x00, 0x10, 0xC3]);
        Assert.That(key.ToString(), Is.EqualTo("0x0010C3"));
        Assert.That(ShardKey.Parse(key.ToString()), Is.EqualTo(key));
    }

    [TestCase("0xAB")]
    [TestCase("0x0010c3")]
    [TestCase("0x00")]
    public void Parse_OfToString_RoundTrips_WhenTheTextItselfLooksLikeHex(string text)
    {
        // Printable text that reads as 0x and hex digits would parse back as those bytes (one byte for "0xAB" instead
        // of the four of its text), so plan.json's split keys named other keys than the plan's.
        var key = ShardKey.FromString(text);
        Assert.That(ShardKey.Parse(key.ToString()), Is.EqualTo(key));
    }

    [Test]
    public void ToString_OfTextWithALineBreakOrAControlCharacterPastAscii_IsHexThatParsesBack()
    {
        // Only C0 controls and DEL made a key print as hex: one holding NEL, U+2028 or U+2029 (line breaks) or another C1
        // control (U+009B starts a terminal escape) printed as its text, so a log line or message naming the key was
        // broken in two, or drove the terminal. Built here, not in [TestCase]: the test adapter cannot run a case whose
        // name holds U+009B.
        string[] texts = ["a\u0085b", "a\u2028b", "a\u2029b", "a\u009B31mb", "\u0080"];
        Assert.Multiple(() =>
        {
            foreach (var text in texts)
            {
                var key = ShardKey.FromString(text);
                Assert.That(key.ToString(), Does.StartWith("0x"), text);
                Assert.That(ShardKey.Parse(key.ToString()), Is.EqualTo(key), text);
            }
        });
        Assert.That(ShardKey.FromString("ключ \u00E9\u00A0x").ToString(), Is.EqualTo("ключ \u00E9\u00A0x"), "printable text past ASCII stays text");
    }

    [Test]
    public void Successor_IsSmallestGreaterKey()
    {
        var key = ShardKey.FromString("a");
        var next = key.Successor();
        Assert.That(next > key, Is.True);
        Assert.That(ShardKey.FromString("a\u0001") > next, Is.True);
    }

    [Test]
    public void Equality_IsByValue()
    {
        Assert.That(ShardKey.FromString("x"), Is.EqualTo(ShardKey.FromBytes("x"u8)));
        Assert.That(ShardKey.FromString("x").GetHashCode(), Is.EqualTo(ShardKey.FromBytes("x"u8).GetHashCode()));
        Assert.That(ShardKey.Empty, Is.EqualTo(ShardKey.FromString(string.Empty)));
    }

    // Built here, not in [TestCase]: attribute strings are stored as UTF-8, which already turns a lone surrogate into U+FFFD.
    private static readonly object[] LoneSurrogates =
    [
        new object[] { "a" + (char)0xD800 + "b", 1 },
        new object[] { "ab" + (char)0xDC00, 2 },
        new object[] { "xyz" + (char)0xD83D, 3 },
        new object[] { (char)0xDE00 + "\uD83D\uDE00", 0 },
    ];

    [TestCaseSource(nameof(LoneSurrogates))]
    public void FromString_LoneSurrogate_ThrowsNamingItsIndex(string text, int index)
    {
        // A lone surrogate became U+FFFD, so "a\uD800b" and "a\uDBFFb" (and "a\uFFFDb") were one key.
        Assert.That(() => ShardKey.FromString(text), Throws.ArgumentException.With.Message.Contains($"index {index}").And.Property(nameof(ArgumentException.ParamName)).EqualTo("text"));
        Assert.That(() => ShardKey.Parse(text), Throws.ArgumentException.With.Message.Contains($"index {index}"));
    }

    [Test]
    public void FromString_SurrogatePair_EncodesTheSupplementaryCharacter()
    {
        Assert.That(ShardKey.FromString("a\uD83D\uDE00").Span.ToArray(), Is.EqualTo(new byte[] { 0x61, 0xF0, 0x9F, 0x98, 0x80 }));
    }
}
