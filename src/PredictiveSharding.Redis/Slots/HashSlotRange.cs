using System.Globalization;
using PredictiveSharding.Keys;

namespace PredictiveSharding.Redis.Slots;

/// <summary>A half-open range of hash slots [<see cref="Start"/>, <see cref="End"/>).</summary>
public readonly record struct HashSlotRange
{
    /// <summary>Creates a range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is outside 0..16384 or <paramref name="end"/> is before <paramref name="start"/>.</exception>
    public HashSlotRange(int start, int end)
    {
        if (start < 0 || start > HashSlot.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"A slot range starts at 0 to {HashSlot.Count}; got {start}.");
        }

        if (end < start || end > HashSlot.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(end), end, string.Create(CultureInfo.InvariantCulture, $"A slot range's end must be from its start ({start}) to {HashSlot.Count}; got {end}."));
        }

        Start = start;
        End = end;
    }

    /// <summary>The first slot (inclusive).</summary>
    public int Start { get; }

    /// <summary>The end (exclusive).</summary>
    public int End { get; }

    /// <summary>Number of slots.</summary>
    public int Count => End - Start;

    /// <summary>True when the range holds no slot.</summary>
    public bool IsEmpty => End == Start;

    /// <summary>True when <paramref name="slot"/> is in the range.</summary>
    public bool Contains(int slot) => slot >= Start && slot < End;

    /// <summary>
    /// The slots a key range covers: from the first slot at or after its start to the first slot at or after its end
    /// (the last slot when the range is unbounded).
    /// </summary>
    public static HashSlotRange FromKeyRange(KeyRange range) =>
        new(HashSlot.CeilingSlot(range.Start), range.End is { } end ? Math.Max(HashSlot.CeilingSlot(range.Start), HashSlot.CeilingSlot(end)) : HashSlot.Count);

    /// <summary>
    /// The key range of these slots; the first range of a key space starts at the empty key and the last one is
    /// unbounded, so ranges built from slots that cover 0..16384 cover the whole key space.
    /// </summary>
    public KeyRange ToKeyRange() =>
        new(Start == 0 ? ShardKey.Empty : HashSlot.ToKey(Start), End >= HashSlot.Count ? null : HashSlot.ToKey(End));

    /// <summary>The range as Redis writes it, <c>start-last</c> (inclusive), or <c>empty</c>.</summary>
    public override string ToString() =>
        IsEmpty ? "empty" : Count == 1 ? Start.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{Start}-{End - 1}");
}
