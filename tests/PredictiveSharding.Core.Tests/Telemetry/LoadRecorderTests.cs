using System.Text;
using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Core.Tests.Telemetry;

public sealed class LoadRecorderTests
{
    private static readonly NodeId N1 = new("n1");
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static RoutingTable TwoPartitions() => new(new RoutingMap(
        [
            new PartitionRoute(new PartitionId("left"), KeyRange.FromStrings("", "m"), N1),
            new PartitionRoute(new PartitionId("right"), KeyRange.FromStrings("m", null), N1),
        ],
        0));

    private static LoadRecorder Recorder(IRoutingTable routing, FakeTimeProvider time, LoadRecorderOptions? options = null) =>
        new(routing, options ?? new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10) }, time);

    private static byte[] Key(string text) => Encoding.UTF8.GetBytes(text);

    [Test]
    public void Harvest_ReturnsOnlyClosedBuckets_WithZerosForIdlePartitions()
    {
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time);
        recorder.Record(Key("apple"), RequestKind.Read, 100);
        recorder.Record(Key("apple"), RequestKind.Write, 40);
        Assert.That(recorder.Harvest().Series, Is.Empty, "the first bucket is still open");

        time.Advance(TimeSpan.FromSeconds(10));
        recorder.Record(Key("zebra"), RequestKind.Read, 1);
        time.Advance(TimeSpan.FromSeconds(10));
        var harvest = recorder.Harvest();

        var left = harvest.Series.Single(s => s.Partition.Value == "left");
        var right = harvest.Series.Single(s => s.Partition.Value == "right");
        Assert.That(left.Buckets.Select(b => (b.Reads, b.Writes, b.BytesRead, b.BytesWritten)), Is.EqualTo(new[] { (1.0, 1.0, 100.0, 40.0), (0.0, 0.0, 0.0, 0.0) }));
        Assert.That(right.Buckets.Select(b => b.Requests), Is.EqualTo(new[] { 0.0, 1.0 }));
        Assert.That(left.Buckets[0].Start, Is.EqualTo(Start));
        Assert.That(left.Step, Is.EqualTo(TimeSpan.FromSeconds(10)));
        Assert.That(recorder.Harvest().Series, Is.Empty, "nothing new closed");
    }

    [Test]
    public void Harvest_IncludeOpenBucket_CountsLaterRequestsInTheNextHarvest()
    {
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time);
        recorder.Record(Key("a"), RequestKind.Read, 0);
        Assert.That(recorder.Harvest(includeOpenBucket: true).TotalRequests, Is.EqualTo(1));
        recorder.Record(Key("a"), RequestKind.Read, 0);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(recorder.Harvest().Series, Is.Empty, "the open bucket was harvested already and the next is still open");
        time.Advance(TimeSpan.FromSeconds(10));
        var next = recorder.Harvest();
        Assert.That(next.TotalRequests, Is.EqualTo(1), "the late request is counted once, in the next harvest that closes a bucket");
        Assert.That(next.Series[0].Buckets, Has.Count.EqualTo(1));
    }

    [Test]
    public void Record_AfterSplit_CountsChildrenAndStillHarvestsRetiredParent()
    {
        var time = new FakeTimeProvider(Start);
        var table = TwoPartitions();
        using var recorder = Recorder(table, time);
        recorder.Record(Key("p"), RequestKind.Read, 0);
        table.Apply(new SplitChange(new PartitionId("right"), [ShardKey.FromString("t")], [new PartitionId("r1"), new PartitionId("r2")]));
        recorder.Record(Key("p"), RequestKind.Read, 0);
        recorder.Record(Key("x"), RequestKind.Write, 0);
        time.Advance(TimeSpan.FromSeconds(10));
        var harvest = recorder.Harvest();
        var totals = harvest.Series.ToDictionary(s => s.Partition.Value, s => s.Buckets.Sum(b => b.Requests));
        Assert.That(totals, Is.EquivalentTo(new Dictionary<string, double> { ["left"] = 0, ["r1"] = 1, ["r2"] = 1, ["right"] = 1 }));
        Assert.That(harvest.RoutingVersion, Is.EqualTo(1));
    }

    [Test]
    public void KeySamples_AreWeightedByLoad()
    {
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time, new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10), SampleOneIn = 1, KeySampleSize = 200 });
        for (var i = 0; i < 20_000; i++)
        {
            recorder.Record(i % 10 == 0 ? Key("cold" + (i % 7)) : Key("hot"), RequestKind.Read, 0);
        }

        time.Advance(TimeSpan.FromSeconds(10));
        var samples = recorder.Harvest().KeySamples[new PartitionId("left")];
        var hotShare = samples.Where(s => s.Key == ShardKey.FromString("hot")).Sum(s => s.Weight) / samples.Sum(s => s.Weight);
        Assert.That(samples, Has.Count.EqualTo(200));
        Assert.That(samples.Sum(s => s.Weight), Is.EqualTo(20_000).Within(1e-6), "weights add up to the partition's requests");
        Assert.That(hotShare, Is.EqualTo(0.9).Within(0.07));
    }

    [Test]
    public void Constructor_WithLongSampledKeysAllowed_DoesNotReserveTheLongestKeyForEverySampleOfEveryPartition()
    {
        // MaxSampledKeyBytes is to be set above the longest prefix keys share; each partition's reservoir reserved that
        // many bytes for every one of its KeySampleSize samples up front: at 65,536, 2 MiB per partition (20 GiB for
        // 10,000 partitions) before a single request, whatever the keys' length. Counted in bytes allocated, not time.
        const int Partitions = 50;
        var routes = new List<PartitionRoute>();
        for (var i = 0; i < Partitions; i++)
        {
            var start = i == 0 ? string.Empty : "k" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
            var end = i == Partitions - 1 ? null : "k" + (i + 1).ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
            routes.Add(new PartitionRoute(new PartitionId("p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)), KeyRange.FromStrings(start, end), N1));
        }

        var routing = new RoutingTable(new RoutingMap(routes, 0));
        var options = new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10), MaxSampledKeyBytes = 65_536 };
        var time = new FakeTimeProvider(Start);

        var before = GC.GetAllocatedBytesForCurrentThread();
        using var recorder = new LoadRecorder(routing, options, time);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.LessThan(8L << 20), "the reservoirs of 50 partitions, 32 samples each, reserved 32 × 64 KiB apiece");
    }

    [Test]
    public void Record_OnAFreshRecorder_AllocatesNothingForKeysUpTo256Bytes()
    {
        // The request path is allocation-free from the first request: every sample slot is allocated up front for keys of
        // up to 256 bytes. Allocating slots on first use (a session 54 change, since narrowed) allocated on the request
        // path until every slot of every partition had been filled once.
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time, new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10), SampleOneIn = 1, MaxSampledKeyBytes = 65_536 });
        var keys = Enumerable.Range(0, 1_000).Select(i => Key((i % 2 == 0 ? "a" : "z") + new string('k', i % 255))).ToArray();
        recorder.Record(keys[0], RequestKind.Read, 0);

        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var key in keys)
        {
            recorder.Record(key, RequestKind.Write, 10);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void KeySamples_OfKeysLongerThanEarlierOnes_AreKeptWholeUpToTheLimit()
    {
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time, new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10), SampleOneIn = 1, KeySampleSize = 2, MaxSampledKeyBytes = 300 });
        var shortKey = Key("a");
        var longKey = Key("b" + new string('x', 199));
        var tooLong = Key("c" + new string('y', 499));

        recorder.Record(shortKey, RequestKind.Read, 0);
        recorder.Record(longKey, RequestKind.Read, 0);
        time.Advance(TimeSpan.FromSeconds(10));
        var first = recorder.Harvest().KeySamples[new PartitionId("left")].Select(s => s.Key).ToList();

        // The same slots again, now with a longer key than each held before, and one past the limit.
        recorder.Record(longKey, RequestKind.Read, 0);
        recorder.Record(tooLong, RequestKind.Read, 0);
        time.Advance(TimeSpan.FromSeconds(10));
        var second = recorder.Harvest().KeySamples[new PartitionId("left")].Select(s => s.Key).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EquivalentTo(new[] { ShardKey.FromBytes(shortKey), ShardKey.FromBytes(longKey) }));
            Assert.That(second, Is.EquivalentTo(new[] { ShardKey.FromBytes(longKey), ShardKey.FromBytes(tooLong.AsSpan(0, 300)) }));
        });
    }

    [Test]
    public void KeySamples_WithTheSameSeed_AreTheSameInEveryProcess()
    {
        // The reservoir's seed mixes in a hash of the partition's name. string.GetHashCode is randomised per process, so
        // the same seed and the same requests gave another sample in every run: a replay could not be repeated. The keys
        // below are what this seed samples; a change of them is a change of the sampling, not noise.
        var time = new FakeTimeProvider(Start);
        using var recorder = new LoadRecorder(TwoPartitions(), new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10), SampleOneIn = 1, KeySampleSize = 6 }, time, seed: 42);
        for (var i = 0; i < 100; i++)
        {
            recorder.Record(Key("k" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)), RequestKind.Read, 0);
        }

        time.Advance(TimeSpan.FromSeconds(10));
        var sampled = recorder.Harvest().KeySamples[new PartitionId("left")].Select(s => s.Key.ToString()).ToArray();
        Assert.That(sampled, Is.EqualTo(new[] { "k063", "k001", "k057", "k025", "k033", "k089" }));
    }

    [Test]
    public void KeySamples_OfARequestStreamThatCyclesThroughKeys_AreNotBiasedToOneKey()
    {
        // A scan or a batch job that reads the same sixteen keys in turn: each key carries a sixteenth of the load, so the
        // sample must hold them in about that share whatever the period of the stream against SampleOneIn.
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time, new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10), SampleOneIn = 16, KeySampleSize = 32 });
        var keys = Enumerable.Range(0, 16).Select(i => Key("row" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        for (var i = 0; i < 16 * 2_000; i++)
        {
            recorder.Record(keys[i % keys.Length], RequestKind.Read, 0);
        }

        time.Advance(TimeSpan.FromSeconds(10));
        var samples = recorder.Harvest().KeySamples[new PartitionId("right")];
        var total = samples.Sum(s => s.Weight);
        var largestShare = samples.GroupBy(s => s.Key).Max(g => g.Sum(s => s.Weight)) / total;
        Assert.Multiple(() =>
        {
            Assert.That(samples.Select(s => s.Key).Distinct().Count(), Is.GreaterThanOrEqualTo(10), "most of the sixteen equally loaded keys are sampled");
            Assert.That(largestShare, Is.LessThan(0.25), "no key stands for much more than its sixteenth of the load");
        });
    }

    [Test]
    public void DistinctClientsAndRegions_AreEstimated()
    {
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time);
        var eu = recorder.RegisterRegion("eu");
        var us = recorder.RegisterRegion("us");
        Assert.That(recorder.RegisterRegion("eu"), Is.EqualTo(eu));
        for (ulong client = 1; client <= 100; client++)
        {
            for (var r = 0; r < 3; r++)
            {
                recorder.Record(Key("b"), RequestKind.Read, 0, client, client % 4 == 0 ? us : eu);
            }
        }

        time.Advance(TimeSpan.FromSeconds(10));
        var bucket = recorder.Harvest().Series.Single(s => s.Partition.Value == "left").Buckets[0];
        Assert.That(bucket.DistinctClients, Is.EqualTo(100).Within(15));
        Assert.That(bucket.RegionRequests, Is.EquivalentTo(new Dictionary<string, double> { ["eu"] = 225, ["us"] = 75 }));
    }

    [Test]
    public void Harvest_WhenTheTimestampGoesBackwards_TreatsItAsNoTimePassedAndLosesNoRequest()
    {
        // A TimeProvider whose timestamp goes backwards breaks its contract, but buggy hosts and VM clocks do it. The
        // recorder had moved on to a later bucket (its timer saw the clock there) and set aside an earlier bucket's counts
        // when it reused that bucket's cell; a harvest then reading the clock behind them indexed past its buckets and threw.
        var time = new FakeTimeProvider(Start);
        var clock = new SkewedTimeProvider(time);
        using var recorder = new LoadRecorder(TwoPartitions(), new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10) }, clock);
        recorder.Record(Key("a"), RequestKind.Read, 0);
        time.Advance(TimeSpan.FromSeconds(10));
        recorder.Record(Key("a"), RequestKind.Read, 0);
        time.Advance(TimeSpan.FromSeconds(40));
        recorder.Record(Key("a"), RequestKind.Read, 0);
        clock.TimestampOffset = TimeSpan.FromSeconds(-40);

        var first = recorder.Harvest();
        time.Advance(TimeSpan.FromSeconds(10));
        var second = recorder.Harvest(includeOpenBucket: true);

        Assert.Multiple(() =>
        {
            Assert.That(first.Series.Select(s => s.Count).Distinct().Single(), Is.EqualTo(5), "the buckets the recorder had already seen close are harvested; the clock going back is no time passing");
            Assert.That(first.TotalRequests, Is.EqualTo(2));
            Assert.That(first.TotalRequests + second.TotalRequests, Is.EqualTo(3), "every request is counted once");
            Assert.That(second.Series[0].Start, Is.EqualTo(first.Series[0].End), "the next harvest goes on where the last ended");
        });
    }

    [TestCase(true, TestName = "Harvest_AfterTheWallClockStepsAhead_LabelsLaterBucketsByTheWallClock")]
    [TestCase(false, TestName = "Harvest_AfterASuspendStoppedTheTimestamp_LabelsLaterBucketsByTheWallClock")]
    public void Harvest_AfterTheWallClockMovesAheadOfTheTimestamp_LabelsLaterBucketsByTheWallClock(bool step)
    {
        // A bucket's label was the wall clock at construction plus the timestamp's time since: an NTP step forward, or a
        // suspend that stopped the timestamp while the wall clock ran on, left every later label an hour behind for good.
        var time = new FakeTimeProvider(Start);
        var clock = new SkewedTimeProvider(time);
        using var recorder = new LoadRecorder(TwoPartitions(), new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10) }, clock);
        recorder.Record(Key("a"), RequestKind.Read, 0);
        time.Advance(TimeSpan.FromSeconds(10));
        var before = recorder.Harvest();
        if (step)
        {
            clock.WallOffset = TimeSpan.FromHours(1);
        }
        else
        {
            clock.TimestampOffset = -TimeSpan.FromHours(1);
            time.Advance(TimeSpan.FromHours(1));
        }

        recorder.Record(Key("zebra"), RequestKind.Read, 0);
        time.Advance(TimeSpan.FromSeconds(10));
        var after = recorder.Harvest();

        var right = after.Series.Single(s => s.Partition.Value == "right");
        Assert.Multiple(() =>
        {
            Assert.That(before.Series[0].Buckets.Select(b => b.Start), Is.EqualTo(new[] { Start }));
            Assert.That(right.Buckets[^1].Start, Is.EqualTo(Start.AddHours(1).AddSeconds(10)), "the bucket is labelled when it ran by the wall clock");
            Assert.That(right.Buckets[^1].Requests, Is.EqualTo(1));
            Assert.That(right.Start, Is.EqualTo(before.Series[0].End), "the harvest goes on where the last ended; the buckets stepped over are zeros");
            Assert.That(after.BucketsMovedOver, Is.EqualTo(360), "an hour of 10-second buckets was moved over, not measured");
            Assert.That(right.Buckets.Take(360).Sum(b => b.Requests), Is.Zero);
            Assert.That(before.BucketsMovedOver, Is.Zero);
            Assert.That(after.TotalRequests, Is.EqualTo(1));
            Assert.That(after.Series.Select(s => (s.Start, s.Count)).Distinct().Count(), Is.EqualTo(1), "every series covers the same buckets");
        });
    }

    [Test]
    public void Harvest_AfterTheWallClockStepsBack_KeepsLabelsIncreasingAndBucketsWhole()
    {
        // Following a step back would label a bucket as one already harvested (or shorten one): the labels stay ahead.
        var time = new FakeTimeProvider(Start);
        var clock = new SkewedTimeProvider(time);
        using var recorder = new LoadRecorder(TwoPartitions(), new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10) }, clock);
        time.Advance(TimeSpan.FromSeconds(20));
        var before = recorder.Harvest();
        clock.WallOffset = -TimeSpan.FromHours(1);
        recorder.Record(Key("a"), RequestKind.Read, 0);
        time.Advance(TimeSpan.FromSeconds(10));
        var after = recorder.Harvest();

        Assert.That(after.Series[0].Buckets.Select(b => b.Start), Is.EqualTo(new[] { Start.AddSeconds(20) }));
        Assert.That(after.TotalRequests, Is.EqualTo(1));
        Assert.That(before.Series[0].End, Is.EqualTo(after.Series[0].Start));
    }

    [Test]
    public void Harvest_AfterAWallClockStepOfUnderHalfABucket_KeepsTheLabels()
    {
        // Labels are the aligned starts nearest the wall clock: a step of under half a bucket moves none of them, so the
        // labels do not flicker with where in a bucket a harvest runs.
        var time = new FakeTimeProvider(Start);
        var clock = new SkewedTimeProvider(time);
        using var recorder = new LoadRecorder(TwoPartitions(), new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10) }, clock);
        clock.WallOffset = TimeSpan.FromSeconds(4);
        time.Advance(TimeSpan.FromSeconds(17));
        var harvest = recorder.Harvest(includeOpenBucket: true);

        Assert.That(harvest.Series[0].Buckets.Select(b => b.Start), Is.EqualTo(new[] { Start, Start.AddSeconds(10) }));
    }

    [Test]
    public void Harvest_AfterMoreBucketsThanTheBound_ReturnsTheLatestAndLosesNoRequest()
    {
        // A harvest returned every bucket since the last one, empty ones included: with 1 ms buckets a minute's pause made
        // 60,000 buckets per partition, and an hour's 3.6 million (hundreds of megabytes per partition, or out of memory).
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time, new LoadRecorderOptions { BucketLength = TimeSpan.FromMilliseconds(1) });
        recorder.Record(Key("a"), RequestKind.Read, 0);
        time.Advance(TimeSpan.FromMinutes(1));
        recorder.Record(Key("a"), RequestKind.Read, 0);
        var harvest = recorder.Harvest(includeOpenBucket: true);

        var left = harvest.Series.Single(s => s.Partition.Value == "left");
        Assert.Multiple(() =>
        {
            Assert.That(harvest.Series.Select(s => s.Count), Is.All.EqualTo(10_080), "the default bound (LoadRecorderOptions.MaxBucketsPerHarvest)");
            Assert.That(left.End, Is.EqualTo(Start.AddMinutes(1).AddMilliseconds(1)), "the latest buckets, up to the open one");
            Assert.That(left.Buckets[0].Requests, Is.EqualTo(1), "the request of a bucket left out is counted in the first returned");
            Assert.That(left.Buckets[^1].Requests, Is.EqualTo(1));
            Assert.That(harvest.TotalRequests, Is.EqualTo(2));
        });
    }

    [Test]
    public void Harvest_AfterMoreBucketsThanTheBound_GoesOnFromThereInTheNextHarvest()
    {
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time, new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10), MaxBucketsPerHarvest = 3 });
        time.Advance(TimeSpan.FromSeconds(100));
        var first = recorder.Harvest();
        recorder.Record(Key("a"), RequestKind.Read, 0);
        time.Advance(TimeSpan.FromSeconds(20));
        var second = recorder.Harvest();

        Assert.That(first.Series[0].Buckets.Select(b => b.Start), Is.EqualTo(new[] { Start.AddSeconds(70), Start.AddSeconds(80), Start.AddSeconds(90) }));
        Assert.That(second.Series[0].Buckets.Select(b => b.Start), Is.EqualTo(new[] { Start.AddSeconds(100), Start.AddSeconds(110) }));
        Assert.That(second.TotalRequests, Is.EqualTo(1));
    }

    [Test]
    public void Harvest_WithABucketThatIsNoWholeNumberOfTimestampTicks_KeepsBucketsAsLongAsTheirLabels()
    {
        // The bucket length was rounded down to whole ticks of the provider's timestamp: at 1,000 ticks a second a 1.5 ms
        // bucket lasted 1 ms, so a harvest held half as many buckets again as time passed, each with two thirds of its
        // load, and the labels ran ahead of the wall clock, which labels never go back to.
        var time = new FakeTimeProvider(Start);
        var clock = new SkewedTimeProvider(time, timestampDivisor: TimeSpan.TicksPerMillisecond);
        using var recorder = new LoadRecorder(TwoPartitions(), new LoadRecorderOptions { BucketLength = TimeSpan.FromMilliseconds(1.5) }, clock);
        for (var i = 0; i < 30; i++)
        {
            recorder.Record(Key("a"), RequestKind.Read, 0);
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var left = recorder.Harvest().Series.Single(s => s.Partition.Value == "left");
        Assert.Multiple(() =>
        {
            Assert.That(left.Count, Is.EqualTo(20), "30 ms of 1.5 ms buckets");
            Assert.That(left.End, Is.EqualTo(Start.AddMilliseconds(30)));
            Assert.That(left.Buckets.Select(b => b.Requests), Is.EqualTo(Enumerable.Repeat(new[] { 2.0, 1.0 }, 10).SelectMany(pair => pair)), "a request each millisecond: two, then one, per 1.5 ms");
        });
    }

    [Test]
    public void Record_ForManyBucketsWithoutAHarvest_KeepsNoMoreBucketsApartThanAHarvestReturns()
    {
        // Each bucket with requests that the counters' ring moved past was set aside until a harvest, one row per bucket
        // and partition without limit: 1 ms buckets and an hour without a harvest made 3.6 million rows per partition. A
        // harvest counts the buckets before its latest MaxBucketsPerHarvest in its first bucket, so they can be summed as
        // they are set aside.
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time, new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(1), MaxBucketsPerHarvest = 3 });
        for (var i = 0; i < 100; i++)
        {
            recorder.Record(Key("a"), RequestKind.Read, 0);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        const System.Reflection.BindingFlags Private = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
        var live = (System.Collections.IDictionary)typeof(LoadRecorder).GetField("_live", Private)!.GetValue(recorder)!;
        var left = live[new PartitionId("left")]!;
        var setAside = ((System.Collections.ICollection)left.GetType().GetField("_evicted", Private)!.GetValue(left)!).Count;
        var harvest = recorder.Harvest(includeOpenBucket: true);

        Assert.Multiple(() =>
        {
            Assert.That(setAside, Is.LessThanOrEqualTo(2 * (3 + 4)), "twice what a harvest keeps apart, and the ring");
            Assert.That(harvest.Series.Single(s => s.Partition.Value == "left").Buckets.Select(b => b.Requests), Is.EqualTo(new[] { 99.0, 1, 0 }));
        });
    }

    [Test]
    public void Record_BadInput_Throws()
    {
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time);
        using var other = Recorder(TwoPartitions(), time);
        var foreign = other.RegisterRegion("x");
        Assert.That(() => recorder.Record(Key("a"), RequestKind.Read, -1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("-1"));
        Assert.That(() => recorder.Record(Key("a"), RequestKind.Read, 0, 0, foreign), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("not registered"));
    }

    [Test]
    public void Record_RegionOfAnotherRecorder_ThrowsInsteadOfCountingUnderThisRecordersRegion()
    {
        // A RegionId is an index into the recorder that registered it, and was checked only against this recorder's count
        // of regions: with as many registered here, another recorder's "us" counted silently as this recorder's "eu".
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time);
        using var other = Recorder(TwoPartitions(), time);
        recorder.RegisterRegion("eu");
        var us = other.RegisterRegion("us");

        Assert.That(() => recorder.Record(Key("a"), RequestKind.Read, 0, 0, us), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("not registered"));
        time.Advance(TimeSpan.FromSeconds(10));
        var harvest = recorder.Harvest();
        Assert.That(harvest.TotalRequests, Is.Zero);
        Assert.That(harvest.Series.SelectMany(s => s.Buckets).SelectMany(b => b.RegionRequests.Keys), Is.Empty);
    }

    [Test]
    public void Record_UndefinedRequestKind_ThrowsInsteadOfCountingAWrite()
    {
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time);
        Assert.That(() => recorder.Record(Key("a"), (RequestKind)7, 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("7"));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(recorder.Harvest().TotalRequests, Is.Zero);
    }

    [TestCase(0.0)]
    [TestCase(60.0 * 24 * 50)]
    public void Options_BucketLengthOutsideWhatTheTimerTakes_ThrowsNamingIt(double minutes)
    {
        var options = new LoadRecorderOptions { BucketLength = TimeSpan.FromMinutes(minutes) };
        Assert.That(() => new LoadRecorder(TwoPartitions(), options), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains(nameof(LoadRecorderOptions.BucketLength)).And.Message.Contains("49.7 days"));
    }

    [TestCase(nameof(LoadRecorderOptions.SampleOneIn), 3)]
    [TestCase(nameof(LoadRecorderOptions.KeySampleSize), 0)]
    [TestCase(nameof(LoadRecorderOptions.ClientSketchBits), 100)]
    [TestCase("MaxBucketsPerHarvest", 0)]
    public void Options_OutOfRange_ThrowNamingOption(string option, int value)
    {
        var options = new LoadRecorderOptions();
        typeof(LoadRecorderOptions).GetProperty(option)!.SetValue(options, value);
        Assert.That(() => new LoadRecorder(TwoPartitions(), options), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains(option).And.Message.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void Options_ChangedAfterConstruction_DoNotChangeTheRecorder()
    {
        // The recorder validated the options once and then read some of them again later: a longer bucket set on the
        // same object afterwards relabelled 10-second buckets 20 seconds apart, and fewer regions made the counters of a
        // partition created later too short for a region registered before.
        var time = new FakeTimeProvider(Start);
        var options = new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(10), MaxRegions = 2 };
        var table = TwoPartitions();
        using var recorder = Recorder(table, time, options);
        var eu = recorder.RegisterRegion("eu");
        var us = recorder.RegisterRegion("us");
        options.BucketLength = TimeSpan.FromSeconds(20);
        options.MaxRegions = 0;

        table.Apply(new SplitChange(new PartitionId("right"), [ShardKey.FromString("t")], [new PartitionId("r1"), new PartitionId("r2")]));
        recorder.Record(Key("zebra"), RequestKind.Read, 0, 0, us);
        recorder.Record(Key("apple"), RequestKind.Read, 0, 0, eu);
        time.Advance(TimeSpan.FromSeconds(30));
        var harvest = recorder.Harvest();

        Assert.That(recorder.BucketLength, Is.EqualTo(TimeSpan.FromSeconds(10)));
        var r2 = harvest.Series.Single(s => s.Partition.Value == "r2");
        Assert.That(r2.Step, Is.EqualTo(TimeSpan.FromSeconds(10)));
        Assert.That(r2.Buckets.Select(b => b.Start), Is.EqualTo(new[] { Start, Start.AddSeconds(10), Start.AddSeconds(20) }));
        Assert.That(r2.Buckets[0].RegionRequests, Is.EquivalentTo(new Dictionary<string, double> { ["us"] = 1 }));
    }

    [Test]
    public void ConcurrentRecordingHarvestingAndSplitting_LosesAndDuplicatesNothing()
    {
        var time = new FakeTimeProvider(Start);
        var table = TwoPartitions();
        using var recorder = Recorder(table, time, new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(1) });
        const int Threads = 4;
        const int PerThread = 200_000;
        var harvested = 0.0;
        var bytesHarvested = 0.0;
        using var done = new CountdownEvent(Threads);
        var writers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var random = new Random(t);
            Span<byte> key = stackalloc byte[2];
            for (var i = 0; i < PerThread; i++)
            {
                key[0] = (byte)random.Next(256);
                key[1] = (byte)random.Next(256);
                recorder.Record(key, (i & 1) == 0 ? RequestKind.Read : RequestKind.Write, 3, (ulong)i);
            }

            done.Signal();
        })).ToList();
        writers.ForEach(w => w.Start());

        var splits = 0;
        while (!done.IsSet)
        {
            time.Advance(TimeSpan.FromMilliseconds(700));
            var harvest = recorder.Harvest();
            harvested += harvest.TotalRequests;
            bytesHarvested += harvest.Series.Sum(s => s.Buckets.Sum(b => b.BytesRead + b.BytesWritten));
            var widest = table.Current.Routes.MaxBy(r => (r.Range.End?.Span.Length ?? 9) - r.Range.Start.Length)!;
            if (splits < 20 && widest.Range.CanSplitAt(widest.Range.Start.Successor()))
            {
                table.Apply(new SplitChange(widest.Partition, [widest.Range.Start.Successor()], [new PartitionId("s" + splits + "a"), new PartitionId("s" + splits + "b")]));
                splits++;
            }
        }

        writers.ForEach(w => w.Join());
        time.Advance(TimeSpan.FromSeconds(1));
        var last = recorder.Harvest(includeOpenBucket: true);
        harvested += last.TotalRequests;
        bytesHarvested += last.Series.Sum(s => s.Buckets.Sum(b => b.BytesRead + b.BytesWritten));
        Assert.That(harvested, Is.EqualTo((double)Threads * PerThread));
        Assert.That(bytesHarvested, Is.EqualTo(3.0 * Threads * PerThread));
        Assert.That(splits, Is.GreaterThan(0));
    }

    [Test]
    public void ConcurrentRecording_WithTheClockJumpingPastTheRingAndOpenBucketHarvests_LosesAndDuplicatesNothing()
    {
        // Jumps of several buckets at once reuse the counters' ring of cells while writers still count into them; half the
        // harvests also take the open bucket. Every request must still be harvested exactly once.
        var time = new FakeTimeProvider(Start);
        using var recorder = Recorder(TwoPartitions(), time, new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(1) });
        const int Threads = 3;
        const int PerThread = 150_000;
        using var done = new CountdownEvent(Threads);
        var writers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            Span<byte> key = stackalloc byte[1];
            for (var i = 0; i < PerThread; i++)
            {
                key[0] = (byte)(i * 7);
                recorder.Record(key, RequestKind.Write, 1);
            }

            done.Signal();
        })).ToList();
        writers.ForEach(w => w.Start());
        var harvested = 0.0;
        var bytes = 0.0;
        var step = 0;
        while (!done.IsSet)
        {
            time.Advance(TimeSpan.FromMilliseconds(step % 3 == 0 ? 5_500 : 300));
            var harvest = recorder.Harvest(includeOpenBucket: step++ % 2 == 0);
            harvested += harvest.TotalRequests;
            bytes += harvest.Series.Sum(s => s.Buckets.Sum(b => b.BytesWritten));
            Assert.That(harvest.Series.Select(s => s.Count).Distinct().Count(), Is.LessThanOrEqualTo(1), "every series covers the same buckets");
        }

        writers.ForEach(w => w.Join());
        time.Advance(TimeSpan.FromSeconds(1));
        var last = recorder.Harvest(includeOpenBucket: true);
        harvested += last.TotalRequests;
        bytes += last.Series.Sum(s => s.Buckets.Sum(b => b.BytesWritten));
        Assert.That(harvested, Is.EqualTo((double)Threads * PerThread));
        Assert.That(bytes, Is.EqualTo((double)Threads * PerThread));
    }

    [Test]
    public async Task Record_AfterARoutingPublishWhileAHarvestHoldsTheGate_DoesNotWaitAndCountsTheRequest()
    {
        // A harvest of ten thousand partitions holds the recorder's gate for a few hundred milliseconds. Before, the
        // first request after a routing publish rebuilt the recorder's state under that gate, so every request thread
        // stalled behind the harvest. Now it counts under the previous routing version and a later request rebuilds.
        var time = new FakeTimeProvider(Start);
        var routing = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("p"), N1));
        using var recorder = Recorder(routing, time);
        recorder.Record(Key("a"), RequestKind.Read, 1);
        var gate = (Lock)typeof(LoadRecorder).GetField("_gate", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(recorder)!;
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var harvest = Task.Factory.StartNew(
            () =>
            {
                lock (gate)
                {
                    held.Set();
                    release.Wait();
                }
            },
            TaskCreationOptions.LongRunning);
        held.Wait();
        routing.Apply(new SplitChange(new PartitionId("p"), [ShardKey.FromString("m")], [new PartitionId("p0"), new PartitionId("p1")]));

        var request = Task.Factory.StartNew(() => recorder.Record(Key("z"), RequestKind.Read, 1), TaskCreationOptions.LongRunning);
        var finished = request.Wait(TimeSpan.FromSeconds(30));
        release.Set();
        await harvest;
        await request;
        recorder.Record(Key("z"), RequestKind.Read, 1);
        time.Advance(TimeSpan.FromSeconds(10));
        var series = recorder.Harvest().Series;

        Assert.That(finished, Is.True, "the request waited for the gate");
        Assert.That(series.Sum(s => s.Buckets.Sum(b => b.Requests)), Is.EqualTo(3), "every request is counted once");
        Assert.That(series.Single(s => s.Partition == new PartitionId("p1")).Buckets.Sum(b => b.Requests), Is.EqualTo(1), "the request after the gate was free rebuilt and counted under the new version");
    }
}
