using System.Text;
using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;
using PredictiveSharding.TestKit.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Tests;

/// <summary>
/// Three in-memory nodes behind one routing table, with a model of every acknowledged write, so a test can check after
/// any sequence of moves, crashes and recoveries that every acknowledged write is on the owner routing names and that no
/// other node holds any key of it.
/// </summary>
internal sealed class TestCluster
{
    public static readonly NodeId N1 = new("n1");
    public static readonly NodeId N2 = new("n2");
    public static readonly NodeId N3 = new("n3");

    private readonly Dictionary<ShardKey, string?> _acknowledged = [];
    private readonly HashSet<ShardKey> _inFlight = [];

    private TestCluster(int keys)
    {
        // p1 [, k100) on n1, p2 [k100, k200) on n1, p3 [k200, +inf) on n2; n3 starts empty.
        Routing = new RoutingTable(new RoutingMap(
            [
                new PartitionRoute(new PartitionId("p1"), new KeyRange(ShardKey.Empty, ShardKey.FromString("k100")), N1),
                new PartitionRoute(new PartitionId("p2"), KeyRange.FromStrings("k100", "k200"), N1),
                new PartitionRoute(new PartitionId("p3"), new KeyRange(ShardKey.FromString("k200"), null), N2),
            ],
            1));
        Store = new InMemoryDataMover([N1, N2, N3], Routing);
        for (var i = 0; i < keys; i++)
        {
            var key = Key(i);
            Store.Seed(Routing.Current.Route(key).Node, [new KeyValueEntry(key, Bytes("seed-" + i))]);
            _acknowledged[key] = "seed-" + i;
        }
    }

    public RoutingTable Routing { get; }

    /// <summary>Replaces the seeded value of keys [<paramref name="from"/>, <paramref name="to"/>) on their owners (and in the model).</summary>
    public void Reseed(int from, int to, Func<int, string> value)
    {
        for (var i = from; i < to; i++)
        {
            var key = Key(i);
            Store.Seed(Routing.Current.Route(key).Node, [new KeyValueEntry(key, Bytes(value(i)))]);
            lock (_acknowledged)
            {
                _acknowledged[key] = value(i);
            }
        }
    }

    public InMemoryDataMover Store { get; }

    public FakeTimeProvider Time { get; } = new();

    /// <summary>Advances <see cref="Time"/> 100 ms at a time (up to five minutes) until <paramref name="run"/> ends, and returns its report.</summary>
    public async Task<ExecutionReport> RunOnTheClockAsync(Task<ExecutionReport> run)
    {
        var advanced = TimeSpan.Zero;
        while (!run.IsCompleted && advanced < TimeSpan.FromMinutes(5))
        {
            Time.Advance(TimeSpan.FromMilliseconds(100));
            advanced += TimeSpan.FromMilliseconds(100);
            await Task.WhenAny(run, Task.Delay(5));
        }

        return await run;
    }

    public int AcknowledgedWrites { get; private set; }

    public static TestCluster Create(int keys = 300) => new(keys);

    public static ShardKey Key(int i) => ShardKey.FromString("k" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));

    public static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Options that make a test fast and deterministic: small chunks, no throttle, no grace period, no retry delay.</summary>
    public static ExecutorOptions FastOptions() => new()
    {
        ChunkBytes = 1024,
        ThrottleBytesPerSecond = null,
        CleanupGracePeriod = TimeSpan.Zero,
        RetryBaseDelay = TimeSpan.Zero,
        ChangeBatchSize = 16,
        CatchUpLagThreshold = 8,
    };

    public static ShardingPlan Plan(params ShardingAction[] actions)
    {
        var summary = new UtilizationSummary(0.5, N1, ResourceKind.Requests, 0);
        return new ShardingPlan(true, actions, summary, summary, 0, TimeSpan.Zero);
    }

    public static MoveAction Move(string partition, NodeId from, NodeId to, long bytes = 0) =>
        new(new PartitionId(partition), from, to, bytes, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test move");

    public static SplitAction Split(string partition, string key, string left, string right) =>
        new(new PartitionId(partition), [ShardKey.FromString(key)], [new PartitionId(left), new PartitionId(right)], "test split");

    public ShardingExecutor Executor(IMoveJournal journal, ExecutorOptions? options = null, IDataMover? mover = null) =>
        new(Routing, mover ?? Store, journal, options ?? FastOptions(), Time);

    /// <summary>A host write: routed with the current map, re-routed when the node says the routing is stale; recorded once acknowledged.</summary>
    public async Task WriteAsync(ShardKey key, string? value, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var owner = Routing.Current.Route(key).Node;
            try
            {
                if (value is null)
                {
                    await Store.DeleteAsync(owner, key, cancellationToken);
                }
                else
                {
                    await Store.PutAsync(owner, key, Bytes(value), cancellationToken);
                }

                lock (_acknowledged)
                {
                    _acknowledged[key] = value;
                    AcknowledgedWrites++;
                }

                return;
            }
            catch (StaleRoutingException)
            {
                // The range moved between routing and writing: route again.
            }
        }
    }

    /// <summary>Starts a write without waiting for it (it may wait at a fence); the key is skipped when a write to it is already in flight.</summary>
    public Task? StartWrite(ShardKey key, string value)
    {
        lock (_acknowledged)
        {
            if (!_inFlight.Add(key))
            {
                return null;
            }
        }

        return Run();

        async Task Run()
        {
            try
            {
                await WriteAsync(key, value);
            }
            finally
            {
                lock (_acknowledged)
                {
                    _inFlight.Remove(key);
                }
            }
        }
    }

    /// <summary>
    /// A host write to <paramref name="key"/> is acknowledged within 10 seconds (no fence left anywhere holds it), and then
    /// the cluster is consistent (<see cref="AssertConsistent"/>).
    /// </summary>
    public async Task AssertWritableAndConsistentAsync(ShardKey key)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await WriteAsync(key, "after", timeout.Token);
        AssertConsistent();
    }

    /// <summary>
    /// Every acknowledged write is on the node the current routing names, with its last value; no other node holds any
    /// key outside the ranges it owns; no change capture and no fence is left.
    /// </summary>
    public void AssertConsistent()
    {
        var map = Routing.Current;
        Dictionary<ShardKey, string?> expected;
        lock (_acknowledged)
        {
            expected = new Dictionary<ShardKey, string?>(_acknowledged);
        }

        using (Assert.EnterMultipleScope())
        {
            foreach (var node in new[] { N1, N2, N3 })
            {
                foreach (var entry in Store.Dump(node))
                {
                    var owner = map.Route(entry.Key).Node;
                    Assert.That(owner, Is.EqualTo(node), $"key '{entry.Key}' is on '{node}' but routing version {map.Version} gives it to '{owner}' (double-owned or orphaned)");
                }

                Assert.That(Store.CaptureCount(node), Is.Zero, $"change captures left on '{node}'");
                Assert.That(Store.FenceCount(node), Is.Zero, $"fences left on '{node}'");
            }

            foreach (var (key, value) in expected)
            {
                var owner = map.Route(key).Node;
                var stored = Store.Get(owner, key);
                Assert.That(stored is null ? null : Encoding.UTF8.GetString(stored), Is.EqualTo(value), $"acknowledged write of '{key}' on owner '{owner}'");
            }
        }
    }
}
