using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Telemetry;

/// <summary>
/// A uniform reservoir (Vitter's algorithm R) over the requests offered to it. Requests, not keys, are the
/// unit, so a key appears in proportion to its load: a load-weighted, unbiased sample, as CockroachDB's load
/// splitter keeps. Buffers are allocated once; only harvesting allocates.
/// </summary>
internal sealed class KeyReservoir
{
    private readonly byte[][] _keys;
    private readonly int[] _lengths;
    private readonly Lock _lock = new();
    private long _seen;
    private ulong _random;
    private int _count;

    public KeyReservoir(int capacity, int maxKeyBytes, ulong seed)
    {
        _random = seed | 1;
        _keys = new byte[capacity][];
        for (var i = 0; i < capacity; i++)
        {
            _keys[i] = new byte[maxKeyBytes];
        }

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

            var buffer = _keys[slot];
            var length = Math.Min(key.Length, buffer.Length);
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
