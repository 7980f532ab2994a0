using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Core.Tests.Routing;

public sealed class RoutingMapTests
{
    private static readonly NodeId N1 = new("n1");
    private static readonly NodeId N2 = new("n2");

    private static RoutingMap ThreePartitions() => new(
        [
            new PartitionRoute(new PartitionId("a"), KeyRange.FromStrings("", "g"), N1),
            new PartitionRoute(new PartitionId("b"), KeyRange.FromStrings("g", "p"), N1),
            new PartitionRoute(new PartitionId("c"), KeyRange.FromStrings("p", null), N2),
        ],
        7);

    [TestCase("", "a")]
    [TestCase("f\uffff", "a")]
    [TestCase("g", "b")]
    [TestCase("ozzz", "b")]
    [TestCase("p", "c")]
    [TestCase("zzzz", "c")]
    public void Route_FindsOwningPartition(string key, string expected)
    {
        Assert.That(ThreePartitions().Route(ShardKey.FromString(key)).Partition.Value, Is.EqualTo(expected));
    }

    [Test]
    public void Apply_Split_ReplacesParentWithChildrenAndBumpsVersion()
    {
        var map = ThreePartitions();
        var next = map.Apply(new SplitChange(new PartitionId("b"), [ShardKey.FromString("k")], [new PartitionId("b1"), new PartitionId("b2")]));
        Assert.That(next.Version, Is.EqualTo(8));
        Assert.That(next.Routes.Select(r => r.Partition.Value), Is.EqualTo(new[] { "a", "b1", "b2", "c" }));
        Assert.That(next.Route(ShardKey.FromString("m")).Partition.Value, Is.EqualTo("b2"));
        Assert.That(next.Get(new PartitionId("b1")).Node, Is.EqualTo(N1));
        Assert.That(map.Count, Is.EqualTo(3), "the old version is unchanged");
    }

    [Test]
    public void Apply_MergeAndMove_Work()
    {
        var next = ThreePartitions().Apply(new MergeChange(new PartitionId("a"), new PartitionId("b"), new PartitionId("ab")), new MoveChange(new PartitionId("c"), N1));
        Assert.That(next.Routes.Select(r => (r.Partition.Value, r.Node.Value)), Is.EqualTo(new[] { ("ab", "n1"), ("c", "n1") }));
    }

    [Test]
    public void Apply_InvalidChangeInBatch_ChangesNothing()
    {
        var map = ThreePartitions();
        Assert.That(
            () => map.Apply(new MoveChange(new PartitionId("a"), N2), new SplitChange(new PartitionId("b"), [ShardKey.FromString("z")], [new PartitionId("x"), new PartitionId("y")])),
            Throws.ArgumentException.With.Message.Contains("'z'"));
        Assert.That(map.Get(new PartitionId("a")).Node, Is.EqualTo(N1));
        Assert.That(map.Version, Is.EqualTo(7));
    }

    [Test]
    public void Apply_BadChanges_ThrowNamingTheValue()
    {
        var map = ThreePartitions();
        Assert.That(() => map.Apply(new MoveChange(new PartitionId("zz"), N1)), Throws.ArgumentException.With.Message.Contains("'zz'"));
        Assert.That(() => map.Apply(new MoveChange(new PartitionId("a"), N1)), Throws.ArgumentException.With.Message.Contains("already on node 'n1'"));
        Assert.That(() => map.Apply(new MergeChange(new PartitionId("a"), new PartitionId("c"), new PartitionId("ac"))), Throws.ArgumentException.With.Message.Contains("not adjacent"));
        Assert.That(() => map.Apply(new MergeChange(new PartitionId("b"), new PartitionId("c"), new PartitionId("bc"))), Throws.ArgumentException.With.Message.Contains("different nodes"));
        Assert.That(() => map.Apply(new SplitChange(new PartitionId("b"), [ShardKey.FromString("k")], [new PartitionId("a"), new PartitionId("q")])), Throws.ArgumentException.With.Message.Contains("'a' is already in use"));
        Assert.That(() => map.Apply(new SplitChange(new PartitionId("b"), [ShardKey.FromString("k")], [new PartitionId("q")])), Throws.ArgumentException.With.Message.Contains("needs 2 new partition ids"));
    }

    [Test]
    public void Routes_CastBack_CannotRewriteTheMapEveryReaderShares()
    {
        // Routes handed out the map's own array: a cast back (to an array or an IList) overwrote a route of a published map
        // behind the coverage check, while lookups still searched the original starts, so a key went to a partition whose
        // range does not hold it and another node.
        var map = ThreePartitions();
        var routes = (IList<PartitionRoute>)map.Routes;

        Assert.That(() => routes[1] = new PartitionRoute(new PartitionId("x"), KeyRange.FromStrings("q", "r"), N2), Throws.InstanceOf<NotSupportedException>());
        Assert.That(map.Routes, Is.Not.InstanceOf<PartitionRoute[]>());
        Assert.That(map.Route(ShardKey.FromString("h")), Is.EqualTo(new PartitionRoute(new PartitionId("b"), KeyRange.FromStrings("g", "p"), N1)));
    }

    [Test]
    public void Constructor_DuplicateIds_Throws()
    {
        Assert.That(
            () => new RoutingMap([new PartitionRoute(new PartitionId("a"), KeyRange.FromStrings("", "m"), N1), new PartitionRoute(new PartitionId("a"), KeyRange.FromStrings("m", null), N1)], 0),
            Throws.ArgumentException.With.Message.Contains("'a'"));
    }

    [Test]
    public void ConstructorAndApply_DefaultIds_ThrowNamingTheRange()
    {
        // default(PartitionId) and default(NodeId) have no text: a map holding them was accepted, and a load recorder over
        // it threw a NullReferenceException hashing the partition's name.
        Assert.That(
            () => new RoutingMap([new PartitionRoute(default, KeyRange.Full, N1)], 0),
            Throws.ArgumentException.With.Message.Contains("partition id").And.Message.Contains("+inf"));
        Assert.That(
            () => new RoutingMap([new PartitionRoute(new PartitionId("a"), KeyRange.Full, default)], 0),
            Throws.ArgumentException.With.Message.Contains("node").And.Message.Contains("'a'"));
        Assert.That(() => ThreePartitions().Apply(new MoveChange(new PartitionId("a"), default)), Throws.ArgumentException.With.Message.Contains("'a'"));
        Assert.That(
            () => ThreePartitions().Apply(new SplitChange(new PartitionId("a"), [ShardKey.FromString("c")], [new PartitionId("a1"), default])),
            Throws.ArgumentException.With.Message.Contains("partition id"));
    }

    [Test]
    public void RoutingTable_TryPublish_IsCompareAndSwap()
    {
        var table = new RoutingTable(ThreePartitions());
        var start = table.Current;
        var first = start.Apply(new MoveChange(new PartitionId("a"), N2));
        var second = start.Apply(new MoveChange(new PartitionId("b"), N2));
        RoutingChangedEventArgs? seen = null;
        table.Changed += (_, e) => seen = e;
        Assert.That(table.TryPublish(start, first), Is.True);
        Assert.That(table.TryPublish(start, second), Is.False, "a stale expected version must lose");
        Assert.That(table.Current, Is.SameAs(first));
        Assert.That(seen!.Previous, Is.SameAs(start));
        Assert.That(() => table.TryPublish(first, start), Throws.ArgumentException.With.Message.Contains("must be 9"));
    }

    [Test]
    public void RoutingTable_ApplyWithNoChanges_PublishesNothingAndReturnsTheCurrentMap()
    {
        // An empty batch (a caller's list of changes that came out empty) published an identical map under a new version:
        // every subscriber ran, and a node or client keyed on the version refreshed its routing for nothing.
        var table = new RoutingTable(ThreePartitions());
        var start = table.Current;
        var raised = 0;
        table.Changed += (_, _) => raised++;

        var result = table.Apply();

        Assert.That(result, Is.SameAs(start));
        Assert.That(table.Current, Is.SameAs(start));
        Assert.That(raised, Is.Zero);
    }

    [Test]
    public void RoutingTable_SubscriberThrows_EverySubscriberRunsAndTheExceptionSaysTheMapWasPublished()
    {
        // The first subscriber's exception escaped TryPublish after the swap: later subscribers never ran, and Apply threw
        // the subscriber's own exception, so the caller believed nothing was published (and a retry published twice).
        var table = new RoutingTable(ThreePartitions());
        var start = table.Current;
        var calls = new List<string>();
        table.Changed += (_, _) => { calls.Add("first"); throw new InvalidOperationException("cache refresh failed"); };
        table.Changed += (_, e) => calls.Add("second saw " + e.Current.Version);
        table.Changed += (_, _) => { calls.Add("third"); throw new TimeoutException("metrics down"); };

        var ex = Assert.Throws<RoutingSubscriberException>(() => table.Apply(new MoveChange(new PartitionId("a"), N2)));

        Assert.That(calls, Is.EqualTo(new[] { "first", "second saw 8", "third" }));
        Assert.That(table.Current.Version, Is.EqualTo(start.Version + 1));
        Assert.That(ex!.Published, Is.SameAs(table.Current));
        Assert.That(ex.Message, Does.Contain("version 8 WAS published").And.Contain("2 Changed subscriber(s) threw").And.Contain("cache refresh failed"));
        Assert.That(((AggregateException)ex.InnerException!).InnerExceptions.Select(e => e.Message), Is.EqualTo(new[] { "cache refresh failed", "metrics down" }));
    }

    [Test]
    public void RoutingTable_TryPublishWithAThrowingSubscriber_StillPublishesOnceAndLosesTheRaceNormallyAfterwards()
    {
        var table = new RoutingTable(ThreePartitions());
        var start = table.Current;
        var next = start.Apply(new MoveChange(new PartitionId("b"), N2));
        table.Changed += (_, _) => throw new InvalidOperationException("boom");

        Assert.That(() => table.TryPublish(start, next), Throws.InstanceOf<RoutingSubscriberException>().With.Property(nameof(RoutingSubscriberException.Published)).SameAs(next));
        Assert.That(table.Current, Is.SameAs(next));
        Assert.That(table.TryPublish(start, next), Is.False, "the publish happened; a retry with the old expected map loses");
    }

    [Test]
    public async Task RoutingTable_ConcurrentPublishes_ReachASubscriberInVersionOrder()
    {
        var table = new RoutingTable(ThreePartitions());
        var v = table.Current.Version;
        using var firstDelivered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var finished = new List<long>();
        table.Changed += (_, e) =>
        {
            if (e.Current.Version == v + 1)
            {
                firstDelivered.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }

            lock (finished)
            {
                finished.Add(e.Current.Version);
            }
        };

        var first = Task.Run(() => table.Apply(new MoveChange(new PartitionId("a"), N2)));
        firstDelivered.Wait(TimeSpan.FromSeconds(30));
        var second = Task.Run(() => table.Apply(new MoveChange(new PartitionId("b"), N2)));

        // Give the second publish every chance to overtake: it used to swap and notify while the first's subscriber ran.
        await Task.WhenAny(second, Task.Delay(200));
        release.Set();
        await Task.WhenAll(first, second);

        Assert.That(finished, Is.EqualTo(new[] { v + 1, v + 2 }), "a subscriber that keeps the latest map must not end on the older one");
        Assert.That(table.Current.Version, Is.EqualTo(v + 2));
    }

    [Test]
    public void RoutingTable_PublishFromInsideASubscriber_IsDeliveredAndDoesNotDeadlock()
    {
        var table = new RoutingTable(ThreePartitions());
        var v = table.Current.Version;
        var seen = new List<long>();
        table.Changed += (sender, e) =>
        {
            seen.Add(e.Current.Version);
            if (e.Current.Version == v + 1)
            {
                ((RoutingTable)sender!).Apply(new MoveChange(new PartitionId("b"), N2));
            }
        };

        table.Apply(new MoveChange(new PartitionId("a"), N2));

        Assert.That(seen, Is.EqualTo(new[] { v + 1, v + 2 }));
        Assert.That(table.Current.Version, Is.EqualTo(v + 2));
    }

    [Test]
    public void RoutingTable_ConcurrentApply_LosesNoChange()
    {
        var ids = Enumerable.Range(0, 64).Select(i => new PartitionId("p" + i)).ToArray();
        var routes = ids.Select((id, i) => new PartitionRoute(id, new KeyRange(i == 0 ? ShardKey.Empty : ShardKey.FromBytes([(byte)(i * 4)]), i == 63 ? null : ShardKey.FromBytes([(byte)((i + 1) * 4)])), N1));
        var table = new RoutingTable(new RoutingMap(routes, 0));
        Parallel.For(0, ids.Length, i => table.Apply(new MoveChange(ids[i], N2)));
        Assert.That(table.Current.Version, Is.EqualTo(64));
        Assert.That(table.Current.Routes.All(r => r.Node == N2), Is.True);
    }
}
