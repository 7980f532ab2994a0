using System.Buffers.Binary;
using System.IO.Hashing;
using PredictiveSharding.Moving;

namespace PredictiveSharding.Storage.RocksDb.Checksums;

/// <summary>
/// Ordered range checksum that sub-ranges can be hashed apart and joined: each entry is hashed with XxHash128 over key
/// length (4 bytes, little-endian), key, value length (4 bytes, little-endian), value (the lengths keep ("ab","c") and
/// ("a","bc") apart); the range's hash is the polynomial Σ h(eᵢ)·rⁿ⁻¹⁻ⁱ of the n entries in key order, in two lanes modulo
/// the prime 2⁶¹−1 (one per half of each entry's 128-bit hash, each with its own radix r).
/// </summary>
/// <remarks>
/// Position-weighted, so swapping entries changes the hash; and joinable: hash(A followed by B) = hash(A)·r^|B| + hash(B),
/// which is what lets a copy or a scan read sub-ranges of one snapshot in parallel and still produce exactly the checksum a
/// single pass over the whole range produces (<see cref="Append(RangeHasher)"/>).
/// </remarks>
internal sealed class RangeHasher
{
    private const ulong Modulus = (1UL << 61) - 1;

    // Fixed (both nodes must agree), below the modulus, and far from 0 and 1.
    private const ulong LowRadix = 0x1A2B_3C4D_5E6F_7A9BUL & Modulus;
    private const ulong HighRadix = 0x0F1E_2D3C_4B5A_6987UL & Modulus;

    private readonly byte[] _entry = new byte[4096];
    private readonly byte[] _length = new byte[4];
    private XxHash128? _large;
    private ulong _low;
    private ulong _high;

    public long KeyCount { get; private set; }

    public long Bytes { get; private set; }

    public void Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        UInt128 entryHash;
        var size = 8 + key.Length + value.Length;
        if (size <= _entry.Length)
        {
            // One call over the entry's bytes in a reused buffer: the hash's per-call cost shows on many small entries.
            var span = _entry.AsSpan(0, size);
            BinaryPrimitives.WriteInt32LittleEndian(span, key.Length);
            key.CopyTo(span[4..]);
            BinaryPrimitives.WriteInt32LittleEndian(span[(4 + key.Length)..], value.Length);
            value.CopyTo(span[(8 + key.Length)..]);
            entryHash = XxHash128.HashToUInt128(span);
        }
        else
        {
            // The same bytes, streamed, for an entry too large for the buffer.
            var hash = _large ??= new XxHash128();
            hash.Reset();
            BinaryPrimitives.WriteInt32LittleEndian(_length, key.Length);
            hash.Append(_length);
            hash.Append(key);
            BinaryPrimitives.WriteInt32LittleEndian(_length, value.Length);
            hash.Append(_length);
            hash.Append(value);
            entryHash = hash.GetCurrentHashAsUInt128();
        }

        _low = AddMod(MultiplyMod(_low, LowRadix), Reduce((ulong)entryHash));
        _high = AddMod(MultiplyMod(_high, HighRadix), Reduce((ulong)(entryHash >> 64)));
        KeyCount++;
        Bytes += key.Length + value.Length;
    }

    /// <summary>Joins the hash of the entries that follow this hasher's, in key order: afterwards this hasher holds both.</summary>
    public void Append(RangeHasher next)
    {
        ArgumentNullException.ThrowIfNull(next);
        _low = AddMod(MultiplyMod(_low, Power(LowRadix, next.KeyCount)), next._low);
        _high = AddMod(MultiplyMod(_high, Power(HighRadix, next.KeyCount)), next._high);
        KeyCount += next.KeyCount;
        Bytes += next.Bytes;
    }

    public RangeChecksum ToChecksum(long sequence) => new(new UInt128(_high, _low), KeyCount, Bytes, sequence);

    /// <summary>The checksum of consecutive sub-ranges hashed apart (<paramref name="parts"/> in key order) as one range.</summary>
    public static RangeChecksum Join(IEnumerable<RangeHasher> parts, long sequence)
    {
        var whole = new RangeHasher();
        foreach (var part in parts)
        {
            whole.Append(part);
        }

        return whole.ToChecksum(sequence);
    }

    private static ulong Reduce(ulong value)
    {
        var reduced = (value & Modulus) + (value >> 61);
        return reduced >= Modulus ? reduced - Modulus : reduced;
    }

    private static ulong AddMod(ulong a, ulong b)
    {
        // Both below 2⁶¹, so the sum cannot overflow.
        var sum = a + b;
        return sum >= Modulus ? sum - Modulus : sum;
    }

    private static ulong MultiplyMod(ulong a, ulong b)
    {
        // a, b < 2⁶¹: the product has at most 122 bits; 2⁶¹ ≡ 1 folds the bits above 61 onto the low ones.
        var high = Math.BigMul(a, b, out var low);
        var folded = (low & Modulus) + ((low >> 61) | (high << 3));
        folded = folded >= Modulus ? folded - Modulus : folded;
        return folded >= Modulus ? folded - Modulus : folded;
    }

    private static ulong Power(ulong radix, long exponent)
    {
        var result = 1UL;
        var factor = radix;
        for (var e = (ulong)exponent; e != 0; e >>= 1)
        {
            if ((e & 1) != 0)
            {
                result = MultiplyMod(result, factor);
            }

            factor = MultiplyMod(factor, factor);
        }

        return result;
    }
}
