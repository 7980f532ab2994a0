using System.Text;
using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Hosting.History;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests;

public sealed class PartitionHistoryTests
{
    [Test]
    public void InheritedBuckets_CountsTheParentsCopiedBuckets_UntilTheyAreTrimmed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var routing = new RoutingTable(new RoutingMap(
            [
                new PartitionRoute(new PartitionId("a"), KeyRange.FromStrings("", "m"), new NodeId("n1")),
                new PartitionRoute(new PartitionId("b"), KeyRange.FromStrings("m", null), new NodeId("n2")),
            ],
            0));
        using var recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = TimeSpan.FromMinutes(1) }, time);
        var history = new PartitionHistory(maxBuckets: 4);
        void Minute()
        {
            recorder.Record(Encoding.UTF8.GetBytes("x"), RequestKind.Read, 10);
            time.Advance(TimeSpan.FromMinutes(1));
            history.Append(recorder.Harvest());
        }

        Minute();
        Minute();
        routing.Apply(new SplitChange(new PartitionId("b"), [ShardKey.FromString("t")], [new PartitionId("b1"), new PartitionId("b2")]));
        Minute();
        var b1 = new PartitionId("b1");
        var afterSplit = history.InheritedBuckets(b1);
        Minute();
        Minute();

        Assert.Multiple(() =>
        {
            Assert.That(afterSplit, Is.EqualTo(2), "the parent's two buckets were copied; the third is the child's own");
            Assert.That(history.InheritedBuckets(b1), Is.EqualTo(1), "five buckets, at most 4 kept: the oldest, inherited, was trimmed and one inherited is left");
            Assert.That(history.InheritedBuckets(new PartitionId("a")), Is.Zero, "a partition never split has only its own");
        });
    }

    [Test]
    public void Append_AfterASplitMidBucket_CountsTheParentsPartOfThatBucketForItsChildren()
    {
        // "b" serves 100 requests a minute; it is split 60 requests into a minute. The recorder harvests those 60 from
        // the retired parent and the 40 after the split from the children: the children's history must hold all 100,
        // or each split shows the forecaster a dip that never happened.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var routing = new RoutingTable(new RoutingMap(
            [
                new PartitionRoute(new PartitionId("a"), KeyRange.FromStrings("", "m"), new NodeId("n1")),
                new PartitionRoute(new PartitionId("b"), KeyRange.FromStrings("m", null), new NodeId("n2")),
            ],
            0));
        using var recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = TimeSpan.FromMinutes(1), SampleOneIn = 1, KeySampleSize = 256 }, time);
        var history = new PartitionHistory(maxBuckets: 10);
        void Requests(int count)
        {
            for (var i = 0; i < count; i++)
            {
                recorder.Record(Encoding.UTF8.GetBytes(i % 2 == 0 ? "p" + i : "x" + i), RequestKind.Read, 10);
            }
        }

        Requests(100);
        time.Advance(TimeSpan.FromMinutes(1));
        history.Append(recorder.Harvest());
        Requests(60);
        routing.Apply(new SplitChange(new PartitionId("b"), [ShardKey.FromString("t")], [new PartitionId("b1"), new PartitionId("b2")]));
        Requests(40);
        time.Advance(TimeSpan.FromMinutes(1));
        history.Append(recorder.Harvest());

        var loads = history.ToLoadHistory(routing.Current)!;
        var b1 = loads.Get(new PartitionId("b1")).RequestValues();
        var b2 = loads.Get(new PartitionId("b2")).RequestValues();
        Assert.Multiple(() =>
        {
            Assert.That(b1[0] + b2[0], Is.EqualTo(100).Within(1e-9), "the inherited minute");
            Assert.That(b1[1] + b2[1], Is.EqualTo(100).Within(1e-9), "the minute of the split: the parent's 60 and the children's 40");
            Assert.That(b1[1], Is.EqualTo(50).Within(1e-9), "shared as the parent's sampled keys say ('p…' below 't', 'x…' above)");
        });
    }

    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyDictionary<PartitionId, IReadOnlyList<KeySample>> NoSamples = new Dictionary<PartitionId, IReadOnlyList<KeySample>>();

    [Test]
    public void Append_AfterAThreeWaySplitWithNothingSampled_GivesEachChildAThirdOfTheParentsHistory()
    {
        var map = new RoutingMap([new PartitionRoute(new PartitionId("b"), KeyRange.Full, new NodeId("n1"))], 0);
        var history = new PartitionHistory(maxBuckets: 10);
        history.Append([Series("b", 0, 90), Series("b", 1, 90)], NoSamples, map);

        var split = map.Apply([new SplitChange(new PartitionId("b"), [ShardKey.FromString("h"), ShardKey.FromString("p")], [new PartitionId("b1"), new PartitionId("b2"), new PartitionId("b3")])]);
        history.Append([Series("b1", 2, 0), Series("b2", 2, 0), Series("b3", 2, 0)], NoSamples, split);

        var loads = history.ToLoadHistory(split)!;
        Assert.Multiple(() =>
        {
            foreach (var child in new[] { "b1", "b2", "b3" })
            {
                Assert.That(loads.Get(new PartitionId(child)).RequestValues()[..2], Is.EqualTo(new[] { 30.0, 30.0 }).Within(1e-9), child + ": a third each, so the children add up to the parent");
                Assert.That(history.InheritedBuckets(new PartitionId(child)), Is.EqualTo(2));
            }
        });
    }

    [Test]
    public void Append_AfterAMerge_StartsTheMergedPartitionWithTheSumOfItsPartsHistories()
    {
        var map = new RoutingMap(
            [
                new PartitionRoute(new PartitionId("a"), KeyRange.FromStrings("", "m"), new NodeId("n1")),
                new PartitionRoute(new PartitionId("b"), KeyRange.FromStrings("m", null), new NodeId("n1")),
            ],
            0);
        var history = new PartitionHistory(maxBuckets: 10);
        history.Append([Series("a", 0, 10), Series("b", 0, 20)], NoSamples, map);
        history.Append([Series("a", 1, 11), Series("b", 1, 21)], NoSamples, map);

        var merged = map.Apply([new MergeChange(new PartitionId("a"), new PartitionId("b"), new PartitionId("ab"))]);
        history.Append([Series("ab", 2, 33)], NoSamples, merged);

        Assert.Multiple(() =>
        {
            Assert.That(history.ToLoadHistory(merged)!.Get(new PartitionId("ab")).RequestValues(), Is.EqualTo(new[] { 30.0, 32.0, 33.0 }).Within(1e-9), "its parts' two minutes summed, then its own");
            Assert.That(history.InheritedBuckets(new PartitionId("ab")), Is.EqualTo(2));
        });
    }

    [Test]
    public void Append_AfterASplitThatKeepsTheParentsId_SharesTheHistoryInsteadOfCountingItTwice()
    {
        var map = new RoutingMap([new PartitionRoute(new PartitionId("b"), KeyRange.Full, new NodeId("n1"))], 0);
        var history = new PartitionHistory(maxBuckets: 10);
        var samples = new Dictionary<PartitionId, IReadOnlyList<KeySample>>
        {
            [new PartitionId("b")] = [new KeySample(ShardKey.FromString("c"), 75), new KeySample(ShardKey.FromString("x"), 25)],
        };
        history.Append([Series("b", 0, 100)], samples, map);

        // The left child keeps the id "b": its range shrinks to ["", "m") while "b2" takes ["m", ∞).
        var split = map.Apply([new SplitChange(new PartitionId("b"), [ShardKey.FromString("m")], [new PartitionId("b"), new PartitionId("b2")])]);
        history.Append([Series("b", 1, 70), Series("b2", 1, 30)], NoSamples, split);

        var loads = history.ToLoadHistory(split)!;
        Assert.Multiple(() =>
        {
            Assert.That(loads.Get(new PartitionId("b")).RequestValues(), Is.EqualTo(new[] { 75.0, 70.0 }).Within(1e-9), "the kept id's earlier minute is its share, not the whole parent's");
            Assert.That(loads.Get(new PartitionId("b2")).RequestValues(), Is.EqualTo(new[] { 25.0, 30.0 }).Within(1e-9));
        });
    }

    [Test]
    public void Append_AfterASplitWhenASampledKeyLiesOutsideTheParent_StillSharesAllOfItsHistory()
    {
        // A recorder keeps key samples truncated to MaxSampledKeyBytes, and a truncated key may sort before its partition's
        // start ("c" here, before "m"). Counted in the parent's sampled total but held by no child, its weight was lost:
        // the children's histories added up to 80 of the parent's 100.
        var map = new RoutingMap(
            [
                new PartitionRoute(new PartitionId("a"), KeyRange.FromStrings("", "m"), new NodeId("n1")),
                new PartitionRoute(new PartitionId("b"), KeyRange.FromStrings("m", null), new NodeId("n1")),
            ],
            0);
        var history = new PartitionHistory(maxBuckets: 10);
        var samples = new Dictionary<PartitionId, IReadOnlyList<KeySample>>
        {
            [new PartitionId("b")] = [new KeySample(ShardKey.FromString("p"), 60), new KeySample(ShardKey.FromString("x"), 20), new KeySample(ShardKey.FromString("c"), 20)],
        };
        history.Append([Series("a", 0, 0), Series("b", 0, 100)], samples, map);

        var split = map.Apply([new SplitChange(new PartitionId("b"), [ShardKey.FromString("t")], [new PartitionId("b1"), new PartitionId("b2")])]);
        history.Append([Series("a", 1, 0), Series("b1", 1, 0), Series("b2", 1, 0)], NoSamples, split);

        var loads = history.ToLoadHistory(split)!;
        Assert.Multiple(() =>
        {
            Assert.That(loads.Get(new PartitionId("b1")).RequestValues()[0], Is.EqualTo(75).Within(1e-9), "60 of the 80 sampled inside the parent");
            Assert.That(loads.Get(new PartitionId("b2")).RequestValues()[0], Is.EqualTo(25).Within(1e-9));
        });
    }

    [Test]
    public void Append_WhenTheSplitsBucketIsHarvestedOnlyAfterAnEmptyHarvest_StillCountsTheParentsPartForItsChildren()
    {
        // A cycle that runs before the bucket closes harvests nothing, but against the map after the split. The next
        // harvest brings the retired parent's 60 requests from before the split: they were dropped, as the parent was
        // already forgotten, and the children showed 40 of the 100 the range served.
        var map = new RoutingMap([new PartitionRoute(new PartitionId("b"), KeyRange.Full, new NodeId("n1"))], 0);
        var history = new PartitionHistory(maxBuckets: 10);
        history.Append([Series("b", 0, 100)], NoSamples, map);

        var split = map.Apply([new SplitChange(new PartitionId("b"), [ShardKey.FromString("m")], [new PartitionId("b1"), new PartitionId("b2")])]);
        history.Append([], NoSamples, split);
        history.Append([Series("b", 1, 60), Series("b1", 1, 20), Series("b2", 1, 20)], NoSamples, split);

        var loads = history.ToLoadHistory(split)!;
        var b1 = loads.Get(new PartitionId("b1")).RequestValues();
        var b2 = loads.Get(new PartitionId("b2")).RequestValues();
        Assert.Multiple(() =>
        {
            Assert.That(b1[0] + b2[0], Is.EqualTo(100).Within(1e-9), "the inherited minute");
            Assert.That(b1[1] + b2[1], Is.EqualTo(100).Within(1e-9), "the minute of the split: the parent's 60 and the children's 40");
        });
    }

    [Test]
    public void TakeRetired_HandsOverEachPartitionThatLeftTheMapOnce_WithItsHistoryAsItLeft()
    {
        // "b" serves 3 requests in the first minute and 7 in the second, then is split: the history forgets it, but hands it
        // over once, with both of its buckets and its range, for the growth it showed.
        var map = new RoutingMap([new PartitionRoute(new PartitionId("b"), KeyRange.Full, new NodeId("n1"))], 0);
        var history = new PartitionHistory(maxBuckets: 10);
        history.Append([Series("b", 0, 3)], NoSamples, map);
        history.Append([Series("b", 1, 7)], NoSamples, map);
        var beforeSplit = history.TakeRetired();

        var split = map.Apply([new SplitChange(new PartitionId("b"), [ShardKey.FromString("m")], [new PartitionId("b1"), new PartitionId("b2")])]);
        history.Append([Series("b1", 2, 1), Series("b2", 2, 1)], NoSamples, split);

        var retired = history.TakeRetired();
        Assert.Multiple(() =>
        {
            Assert.That(beforeSplit, Is.Empty);
            Assert.That(retired.Select(r => r.Partition), Is.EqualTo(new[] { new PartitionId("b") }));
            Assert.That(retired[0].Range, Is.EqualTo(KeyRange.Full));
            Assert.That(retired[0].Buckets.Select(b => b.Requests), Is.EqualTo(new double[] { 3, 7 }));
            Assert.That(retired[0].InheritedBuckets, Is.Zero);
            Assert.That(history.TakeRetired(), Is.Empty, "handed over once");
        });
    }

    [Test]
    public void Append_AHarvestThatStartsAfterTheHistoryEnds_CountsTheBucketsBetweenAsNoLoad()
    {
        // A recorder returns at most LoadRecorderOptions.MaxBucketsPerHarvest buckets per harvest, the latest: after a long
        // pause the harvest starts later than the history ends. Appended as they were, the buckets left a gap in the
        // history, and every later cycle failed building the forecaster's series (not consecutive) until it aged out.
        var time = new FakeTimeProvider(Start);
        var routing = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("p"), new NodeId("n1")));
        using var recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = TimeSpan.FromMinutes(1), MaxBucketsPerHarvest = 3 }, time);
        var history = new PartitionHistory(maxBuckets: 10);
        recorder.Record(Encoding.UTF8.GetBytes("x"), RequestKind.Read, 0);
        time.Advance(TimeSpan.FromMinutes(2));
        history.Append(recorder.Harvest());
        time.Advance(TimeSpan.FromMinutes(9));
        recorder.Record(Encoding.UTF8.GetBytes("x"), RequestKind.Read, 0);
        time.Advance(TimeSpan.FromMinutes(1));
        history.Append(recorder.Harvest());

        var series = history.ToLoadHistory(routing.Current)!.Get(new PartitionId("p"));
        Assert.Multiple(() =>
        {
            Assert.That(series.Start, Is.EqualTo(Start.AddMinutes(2)), "the last ten buckets kept");
            Assert.That(series.End, Is.EqualTo(Start.AddMinutes(12)));
            Assert.That(series.RequestValues(), Is.EqualTo(new double[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }));
        });
    }

    private static PartitionLoadSeries Series(string partition, int minute, double reads) =>
        new(new PartitionId(partition), TimeSpan.FromMinutes(1), [new LoadBucket(Start.AddMinutes(minute), reads, 0)]);
}
