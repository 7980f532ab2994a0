namespace PredictiveSharding.Planning.Genetic;

/// <summary>
/// A small seeded generator (Steele, Lea and Flood's SplitMix64). A value type, so each child of a generation gets
/// its own stream derived from (seed, generation, child) without allocating, and results do not depend on which
/// thread builds which child.
/// </summary>
internal struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>A generator for one stream of a seeded run, independent of the others.</summary>
    public static SplitMix64 ForStream(int seed, int generation, int stream)
    {
        var mixer = new SplitMix64(((ulong)(uint)seed << 32) ^ 0x9E3779B97F4A7C15UL);
        var a = mixer.NextUInt64() ^ ((ulong)(uint)generation * 0xBF58476D1CE4E5B9UL);
        var b = new SplitMix64(a).NextUInt64() ^ ((ulong)(uint)stream * 0x94D049BB133111EBUL);
        return new SplitMix64(new SplitMix64(b).NextUInt64());
    }

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)((NextUInt64() >> 33) % (ulong)maxExclusive);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
