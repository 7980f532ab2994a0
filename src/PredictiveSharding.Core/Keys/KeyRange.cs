namespace PredictiveSharding.Keys;

/// <summary>
/// A half-open key range [<see cref="Start"/>, <see cref="End"/>); a null end is the end of the key space.
/// </summary>
public readonly record struct KeyRange
{
    /// <summary>Creates a range; throws when a bounded end is not greater than the start.</summary>
    /// <exception cref="ArgumentException"><paramref name="end"/> is not greater than <paramref name="start"/>.</exception>
    public KeyRange(ShardKey start, ShardKey? end)
    {
        if (end is { } e && e <= start)
        {
            throw new ArgumentException($"A key range's end '{e}' must be greater than its start '{start}'.", nameof(end));
        }

        Start = start;
        End = end;
    }

    /// <summary>The whole key space.</summary>
    public static KeyRange Full => new(ShardKey.Empty, null);

    /// <summary>The first key in the range (inclusive).</summary>
    public ShardKey Start { get; }

    /// <summary>The end of the range (exclusive); null for the end of the key space.</summary>
    public ShardKey? End { get; }

    /// <summary>True when the range runs to the end of the key space.</summary>
    public bool IsUnbounded => End is null;

    /// <summary>Creates a range from UTF-8 strings; a null end is the end of the key space.</summary>
    /// <exception cref="ArgumentException">The end is not greater than the start, or a string is not valid UTF-16 (see <see cref="ShardKey.FromString"/>).</exception>
    public static KeyRange FromStrings(string start, string? end) =>
        new(ShardKey.FromString(start), end is null ? null : ShardKey.FromString(end));

    /// <summary>True when <paramref name="key"/> lies in [Start, End).</summary>
    public bool Contains(ReadOnlySpan<byte> key) =>
        ShardKey.Compare(key, Start.Span) >= 0 && (End is not { } end || ShardKey.Compare(key, end.Span) < 0);

    /// <summary>True when <paramref name="key"/> lies in [Start, End).</summary>
    public bool Contains(ShardKey key) => Contains(key.Span);

    /// <summary>True when <paramref name="key"/> lies strictly inside the range, so splitting there leaves two non-empty ranges.</summary>
    public bool CanSplitAt(ShardKey key) => key > Start && Contains(key);

    /// <summary>True when the two ranges share at least one key.</summary>
    public bool Overlaps(KeyRange other)
    {
        var thisStartsBeforeOtherEnds = other.End is not { } oe || Start < oe;
        var otherStartsBeforeThisEnds = End is not { } te || other.Start < te;
        return thisStartsBeforeOtherEnds && otherStartsBeforeThisEnds;
    }

    /// <summary>True when every key of <paramref name="other"/> lies in this range.</summary>
    public bool Covers(KeyRange other) =>
        other.Start >= Start && (End is not { } te || (other.End is { } oe && oe <= te));

    /// <summary>Splits the range at the given ascending keys into <c>keys.Count + 1</c> ranges.</summary>
    /// <exception cref="ArgumentException">A key is not strictly inside the range, or the keys are not strictly ascending.</exception>
    public IReadOnlyList<KeyRange> SplitAt(IReadOnlyList<ShardKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var result = new KeyRange[keys.Count + 1];
        var start = Start;
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            if (!CanSplitAt(key))
            {
                throw new ArgumentException($"Split key '{key}' is not strictly inside the range {this}.", nameof(keys));
            }

            if (key <= start)
            {
                throw new ArgumentException($"Split keys must be strictly ascending; '{key}' follows '{start}'.", nameof(keys));
            }

            result[i] = new KeyRange(start, key);
            start = key;
        }

        result[keys.Count] = new KeyRange(start, End);
        return result;
    }

    /// <summary>The range as <c>["start", "end")</c>, with <c>+inf</c> for an open end.</summary>
    public override string ToString() => $"[\"{Start}\", {(End is { } e ? "\"" + e + "\"" : "+inf")})";
}
