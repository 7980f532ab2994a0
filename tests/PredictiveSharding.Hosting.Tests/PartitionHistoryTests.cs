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
            history.Append(recorder.Harvest(), routing.Current);
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
}
