using System.Globalization;
using System.Numerics;

namespace PredictiveSharding.Telemetry;

/// <summary>Settings of a <see cref="LoadRecorder"/>. Defaults suit a recorder harvested once a minute.</summary>
public sealed class LoadRecorderOptions
{
    /// <summary>The length of one time bucket of the load series, from 1 ms to 49.7 days (what a timer waits). Default one minute.</summary>
    public TimeSpan BucketLength { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many keys each partition's reservoir keeps between harvests. Default 32: CockroachDB's split finder
    /// keeps 20 (kv.range_split load splitter reservoir); a few more make k-way splits possible.
    /// </summary>
    public int KeySampleSize { get; set; } = 32;

    /// <summary>
    /// One request in this many is offered to the key reservoir (chosen at random, so the sample stays unbiased).
    /// A power of two, 1 to 1024. Default 16: sampling every request would put a lock on the request path.
    /// </summary>
    public int SampleOneIn { get; set; } = 16;

    /// <summary>
    /// Longest key prefix kept in a sample, in bytes; longer keys are truncated. Default 128; from 1 to 65536.
    /// A truncated sample is a split point only where the keys differ within this many bytes: keys that share a longer
    /// prefix (long paths, composite keys) collapse into one sample, which may even sort before the partition's start,
    /// and the planner then warns that the partition has fewer than two distinct sampled keys and can only be moved.
    /// Set it above the longest prefix your keys share: each sample slot takes 256 bytes (or this many, if lower) up front,
    /// so that sampling keys up to that long never allocates, and grows, in powers of two up to this limit, the first time
    /// a longer key lands in it.
    /// </summary>
    public int MaxSampledKeyBytes { get; set; } = 128;

    /// <summary>How many client regions can be registered. Default 16.</summary>
    public int MaxRegions { get; set; } = 16;

    /// <summary>Bits of the per-bucket distinct-client sketch (linear counting); a power of two from 64 to 4096. Default 256 (accurate to a few hundred clients per partition and bucket).</summary>
    public int ClientSketchBits { get; set; } = 256;

    /// <summary>
    /// The most buckets a harvest returns per series; at least 1. Default 10,080: a week of one-minute buckets, as many as
    /// the control loop keeps (<c>ControlLoopOptions.MaxHistoryBuckets</c>'s default). A harvest allocates about a hundred
    /// bytes per bucket and partition. When more buckets closed since the previous harvest (a long pause, tiny buckets, a
    /// large step of the wall clock), it returns the latest this many: its series then start later than the previous
    /// harvest ended, the buckets between count as no load, and any request recorded in them is counted in the first
    /// bucket returned (as a late request is), so none is lost.
    /// </summary>
    public int MaxBucketsPerHarvest { get; set; } = 10_080;

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        // The bucket timer takes whole milliseconds up to uint.MaxValue - 1 (about 49.7 days); past that it threw on the
        // first request, naming no option.
        if (BucketLength < TimeSpan.FromMilliseconds(1) || BucketLength >= TimeSpan.FromMilliseconds(uint.MaxValue))
        {
            throw Bad(nameof(BucketLength), BucketLength, "from 1 ms to 49.7 days");
        }

        if (KeySampleSize is < 1 or > 4096)
        {
            throw Bad(nameof(KeySampleSize), KeySampleSize, "from 1 to 4096");
        }

        if (SampleOneIn is < 1 or > 1024 || !BitOperations.IsPow2(SampleOneIn))
        {
            throw Bad(nameof(SampleOneIn), SampleOneIn, "a power of two from 1 to 1024");
        }

        if (MaxSampledKeyBytes is < 1 or > 65536)
        {
            throw Bad(nameof(MaxSampledKeyBytes), MaxSampledKeyBytes, "from 1 to 65536");
        }

        if (MaxRegions is < 0 or > 256)
        {
            throw Bad(nameof(MaxRegions), MaxRegions, "from 0 to 256");
        }

        if (ClientSketchBits is < 64 or > 4096 || !BitOperations.IsPow2(ClientSketchBits))
        {
            throw Bad(nameof(ClientSketchBits), ClientSketchBits, "a power of two from 64 to 4096");
        }

        if (MaxBucketsPerHarvest < 1)
        {
            throw Bad(nameof(MaxBucketsPerHarvest), MaxBucketsPerHarvest, "at least 1");
        }
    }

    private static ArgumentOutOfRangeException Bad(string name, object value, string expected) =>
        new(name, value, string.Create(CultureInfo.InvariantCulture, $"LoadRecorderOptions.{name} must be {expected}; got {value}."));
}
