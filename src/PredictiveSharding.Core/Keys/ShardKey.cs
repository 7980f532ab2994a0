using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace PredictiveSharding.Keys;

/// <summary>
/// An ordered byte-string key, compared ordinally byte by byte like CockroachDB, TiKV and HBase row keys.
/// </summary>
/// <remarks>
/// The bytes are copied on construction and never exposed mutably, so a key can be shared freely between threads.
/// <see cref="Empty"/> is the smallest key and the start of the key space.
/// </remarks>
public readonly struct ShardKey : IEquatable<ShardKey>, IComparable<ShardKey>
{
    private static readonly byte[] NoBytes = [];
    private readonly byte[]? _bytes;

    private ShardKey(byte[] bytes) => _bytes = bytes;

    /// <summary>The empty key: the smallest key and the start of the key space.</summary>
    public static ShardKey Empty => default;

    /// <summary>The key's bytes.</summary>
    public ReadOnlySpan<byte> Span => _bytes ?? NoBytes;

    /// <summary>The key's bytes as memory (for storage APIs that take memory rather than spans).</summary>
    public ReadOnlyMemory<byte> Memory => _bytes ?? NoBytes;

    /// <summary>The number of bytes in the key.</summary>
    public int Length => _bytes?.Length ?? 0;

    /// <summary>True for <see cref="Empty"/>.</summary>
    public bool IsEmpty => Length == 0;

    /// <summary>Creates a key from a copy of <paramref name="bytes"/>.</summary>
    public static ShardKey FromBytes(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? default : new ShardKey(bytes.ToArray());

    /// <summary>Creates a key from the UTF-8 encoding of <paramref name="text"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="text"/> is not valid UTF-16 (a lone surrogate, which has no UTF-8
    /// encoding); the message names its index. Replacing it by U+FFFD would make different strings one key.</exception>
    public static ShardKey FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return default;
        }

        var bytes = new byte[Encoding.UTF8.GetByteCount(text)];
        if (Utf8.FromUtf16(text, bytes, out var read, out _, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The key text has a lone UTF-16 surrogate (U+{(int)text[read]:X4}) at index {read}; a key must be valid UTF-16, as a lone surrogate has no UTF-8 encoding."), nameof(text));
        }

        return new ShardKey(bytes);
    }

    /// <summary>Compares two keys ordinally (unsigned byte by byte, a prefix sorts first).</summary>
    public static int Compare(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) => left.SequenceCompareTo(right);

    /// <summary>
    /// The smallest key strictly greater than this one (this key followed by a zero byte); useful to turn
    /// an inclusive end into an exclusive one.
    /// </summary>
    public ShardKey Successor()
    {
        var bytes = new byte[Length + 1];
        Span.CopyTo(bytes);
        return new ShardKey(bytes);
    }

    /// <inheritdoc />
    public int CompareTo(ShardKey other) => Compare(Span, other.Span);

    /// <inheritdoc />
    public bool Equals(ShardKey other) => Span.SequenceEqual(other.Span);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ShardKey other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Span);
        return hash.ToHashCode();
    }

    /// <summary>The key as UTF-8 text.</summary>
    /// <exception cref="DecoderFallbackException">The key is not valid UTF-8.</exception>
    public string ToUtf8String() => new UTF8Encoding(false, true).GetString(Span);

    /// <summary>
    /// The key as text for humans and logs: its UTF-8 text when that is printable (no control character, C0 or C1, and no
    /// line or paragraph separator) and does not itself read as <c>0x</c> and hex digits, otherwise <c>0x</c> and its hex
    /// bytes; <see cref="Parse"/> turns either back into the key.
    /// </summary>
    public override string ToString()
    {
        var span = Span;
        foreach (var b in span)
        {
            if (b < 0x20 || b == 0x7F)
            {
                return "0x" + Convert.ToHexString(span);
            }
        }

        try
        {
            // Text such as "0xAB" would parse back as the bytes it spells, not as its own UTF-8 bytes. C1 controls and the
            // Unicode line and paragraph separators are no more printable than the C0 controls refused above: NEL, U+2028
            // and U+2029 break a log line naming the key, and U+009B starts a terminal escape.
            var text = ToUtf8String();
            return IsHexForm(text) || text.AsSpan().ContainsAny(NotPrintablePastAscii) ? "0x" + Convert.ToHexString(span) : text;
        }
        catch (DecoderFallbackException)
        {
            return "0x" + Convert.ToHexString(span);
        }
    }

    /// <summary>Parses the output of <see cref="ToString"/> (<c>0x</c>-prefixed hex, or UTF-8 text) back into a key.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentException">Text that is not valid UTF-16 (see <see cref="FromString"/>).</exception>
    public static ShardKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsHexForm(text))
        {
            return FromBytes(Convert.FromHexString(text.AsSpan(2)));
        }

        return FromString(text);
    }

    private static bool IsHexForm(string text) =>
        text.Length > 2 && text.StartsWith("0x", StringComparison.Ordinal) && IsHex(text.AsSpan(2));

    private static bool IsHex(ReadOnlySpan<char> chars) =>
        chars.Length % 2 == 0 && !chars.ContainsAnyExcept(HexDigits);

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789ABCDEFabcdef");

    private static readonly System.Buffers.SearchValues<char> NotPrintablePastAscii = System.Buffers.SearchValues.Create(
        "\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008A\u008B\u008C\u008D\u008E\u008F" +
        "\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009A\u009B\u009C\u009D\u009E\u009F\u2028\u2029");

    /// <summary>Ordinal equality.</summary>
    public static bool operator ==(ShardKey left, ShardKey right) => left.Equals(right);

    /// <summary>Ordinal inequality.</summary>
    public static bool operator !=(ShardKey left, ShardKey right) => !left.Equals(right);

    /// <summary>Ordinal less-than.</summary>
    public static bool operator <(ShardKey left, ShardKey right) => left.CompareTo(right) < 0;

    /// <summary>Ordinal greater-than.</summary>
    public static bool operator >(ShardKey left, ShardKey right) => left.CompareTo(right) > 0;

    /// <summary>Ordinal less-or-equal.</summary>
    public static bool operator <=(ShardKey left, ShardKey right) => left.CompareTo(right) <= 0;

    /// <summary>Ordinal greater-or-equal.</summary>
    public static bool operator >=(ShardKey left, ShardKey right) => left.CompareTo(right) >= 0;

    internal static string Describe(ReadOnlySpan<byte> key) => FromBytes(key).ToString();
}
