using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Telemetry;

/// <summary>
/// A uniform reservoir (Vitter's algorithm R) over the requests offered to it. Requests, not keys, are the
/// unit, so a key appears in proportion to its load: a load-weighted, unbiased sample, as CockroachDB's load
/// splitter keeps. Each slot's buffer is allocated up front for keys of up to <see cref="EagerBytes"/> bytes (or the key
/// limit, if lower), so that sampling such keys never allocates on the request path; a longer key (up to the limit) grows
/// its slot's buffer, in powers of two, the first time one lands there. Otherwise only harvesting allocates.
/// </summary>
internal sealed class KeyReservoir
{
    // Not maxKeyBytes per slot up front: MaxSampledKeyBytes is to be set above the longest prefix the keys share, and at
    // 65,536 that reserved 2 MiB per partition before a request, whatever the keys' real length. Nor all on demand: the
    // recorder promises an allocation-free request path, which a first sample of each slot would break.
    private readonly byte[][] _keys;
    private readonly int _maxKeyBytes;
    private readonly int[] _lengths;
    private readonly Lock _lock = new();
    private long _seen;
    private ulong _random;
    private int _count;

    /// <summary>The bytes each slot is given up front: keys up to this long (nearly all) are sampled without allocating.</summary>
    internal const int EagerBytes = 256;

    public KeyReservoir(int capacity, int maxKeyBytes, ulong seed)
    {
        _random = seed | 1;
        _keys = new byte[capacity][];
        for (var i = 0; i < capacity; i++)
        {
            _keys[i] = new byte[Math.Min(maxKeyBytes, EagerBytes)];
        }

        _maxKeyBytes = maxKeyBytes;
        _lengths = new int[capacity];
    }

    public void Offer(ReadOnlySpan<byte> key)
    {
        lock (_lock)
        {
            _seen++;
            // xorshift64*: seeded per partition, so a run's samples are repeatable for the same request order.
            _random ^= _random >> 12;
            _random ^= _random << 25;
            _random ^= _random >> 27;
            var random = _random * 0x2545F4914F6CDD1DUL;
            int slot;
            if (_count < _keys.Length)
            {
                slot = _count++;
            }
            else
            {
                var j = (long)(random % (ulong)_seen);
                if (j >= _keys.Length)
                {
                    return;
                }

                slot = (int)j;
            }

            var length = Math.Min(key.Length, _maxKeyBytes);
            var buffer = _keys[slot];
            if (buffer.Length < length)
            {
                // Rounded up so that keys growing a byte at a time do not reallocate each time.
                buffer = new byte[Math.Min(_maxKeyBytes, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)length))];
                _keys[slot] = buffer;
            }

            key[..length].CopyTo(buffer);
            _lengths[slot] = length;
        }
    }

    /// <summary>Returns the sample, each key weighted by <paramref name="requests"/> / samples, and empties the reservoir.</summary>
    public IReadOnlyList<KeySample> Drain(double requests)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                _seen = 0;
                return [];
            }

            var weight = requests / _count;
            var samples = new KeySample[_count];
            for (var i = 0; i < _count; i++)
            {
                samples[i] = new KeySample(ShardKey.FromBytes(_keys[i].AsSpan(0, _lengths[i])), weight);
            }

            _count = 0;
            _seen = 0;
            return samples;
        }
    }
}
