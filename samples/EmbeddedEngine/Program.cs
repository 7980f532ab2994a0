// EmbeddedEngine: a small key-value engine that embeds PredictiveSharding the way a custom database would.
// RocksDB nodes (the storage package), the routing table on the request path, the load recorder on every request,
// and the control loop driven by hand once a second while a load generator runs; at the end every acknowledged
// write is read back through the routing to check that nothing was lost.
//
//   dotnet run -c Release --project samples/EmbeddedEngine -- [seconds, default 90]
using System.Globalization;
using System.Text;
using EmbeddedEngine;
using PredictiveSharding.Execution;
using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Hosting.Execution;
using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Keys;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;
using PredictiveSharding.Storage.RocksDb;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 90;
const int Keys = 10_000;
const int RequestsPerSecond = 2_000;
const int NodeCount = 4;
const int Partitions = 16;

var folder = Directory.CreateTempSubdirectory("psharding-embedded-");
try
{
    var nodes = Enumerable.Range(1, NodeCount).Select(i => new NodeId("n" + i)).ToArray();
    var starts = Enumerable.Range(0, Partitions).Select(p => p == 0 ? ShardKey.Empty : ShardKey.FromString(LoadGenerator.KeyOf(p * Keys / Partitions))).ToArray();
    var routes = starts.Select((start, p) => new PartitionRoute(new PartitionId("p" + p), new KeyRange(start, p == Partitions - 1 ? null : starts[p + 1]), nodes[p % NodeCount]));
    var routing = new RoutingTable(new RoutingMap(routes, 0));
    using var store = new RocksDbCluster(new RocksDbClusterOptions { RootDirectory = Path.Combine(folder.FullName, "nodes") }, nodes, routing);
    using var recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(1) });
    var engine = new KeyValueEngine(routing, store, recorder);

    // Load the keys: 100 bytes each.
    foreach (var i in Enumerable.Range(0, Keys))
    {
        await engine.PutAsync(ShardKey.FromString(LoadGenerator.KeyOf(i)), Encoding.ASCII.GetBytes(new string('v', 100)), CancellationToken.None);
    }

    // Capacity: a balanced cluster runs at about 60% of it, so only imbalance and the hot spot overload a node.
    var capacity = RequestsPerSecond / (NodeCount * 0.6);
    var inventory = new FixedClusterInventory(
        nodes.Select(n => new NodeInfo(n, new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = capacity })).ToArray(),
        route => (store.Node(route.Node).Scan(route.Range, int.MaxValue, CancellationToken.None).Entries.Count * 110L, store.Node(route.Node).Scan(route.Range, int.MaxValue, CancellationToken.None).Entries.Count));
    var forecaster = new LstmForecaster(new LstmForecasterOptions { ContextLength = 12, Horizon = 10, SeasonalLags = [60], Epochs = 8, WindowsPerEpoch = 512, Seed = 7 });
    // The preset for forecasts whose q0.99 the loop's guard raises to burst bounds (its default), as AddPredictiveSharding
    // registers it; seeded, with a short search budget for the cycle.
    var plannerOptions = GeneticPlannerOptions.ForBurstBoundForecasts();
    plannerOptions.Seed = 7;
    plannerOptions.TimeBudget = TimeSpan.FromMilliseconds(500);
    // New ranges take the engine's next range ids (r16, r17, …) rather than names grown from their parents.
    var rangeIds = new RangeIdSequence(Partitions);
    plannerOptions.PartitionIds = rangeIds;
    var planner = new GeneticShardPlanner(plannerOptions);
    await using var executor = new JournalledPlanExecutor(routing, store, new ExecutorOptions { JournalPath = Path.Combine(folder.FullName, "moves.journal"), ClusterId = "embedded-sample", CleanupGracePeriod = TimeSpan.FromSeconds(2) });
    using var loop = new ShardingControlLoop(routing, recorder, forecaster, planner, executor, inventory, new ControlLoopOptions
    {
        Interval = TimeSpan.FromSeconds(1),
        Horizon = 10,
        WarmupBuckets = 30,
        RetrainEveryCycles = 0,
        Constraints = new PlanningConstraints { Cooldown = TimeSpan.FromSeconds(15), MoveBandwidthBytesPerSecond = 5_000_000 },
    });

    var generator = new LoadGenerator(engine, Keys, RequestsPerSecond, seed: 11);
    using var stop = new CancellationTokenSource();
    var load = Task.Run(() => generator.RunAsync(TimeProvider.System, TimeSpan.FromSeconds(seconds), stop.Token));
    Console.WriteLine($"{NodeCount} RocksDB nodes, {Partitions} partitions, {Keys} keys, {RequestsPerSecond} requests/s, node capacity {capacity:F0} requests/s; running {seconds} s.");
    int splits = 0, moves = 0, cycles = 0;
    while (!load.IsCompleted)
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        try
        {
            var cycle = await loop.RunCycleAsync(CancellationToken.None);
            cycles++;
            if (cycle.Plan is { } plan && cycle.Execution is { } done)
            {
                // The executor reports each action's outcome: count what took effect, and say what did not and why.
                splits += done.Actions.Count(r => r.Action is SplitAction && r.TookEffect);
                moves += done.Actions.Count(r => r.Action is MoveAction && r.TookEffect);
                Console.WriteLine($"[{cycles,3} s] plan: {plan.Actions.Count} actions, predicted peak {plan.Before.MaxUtilization:P0} -> {plan.After.MaxUtilization:P0}; executed {done.Completed}, rolled back {done.RolledBack}, {done.BytesMoved} bytes moved");
                foreach (var failed in done.Actions.Where(r => !r.TookEffect))
                {
                    Console.WriteLine($"         {failed.Status}: {failed.Action.Reason} ({failed.Error})");
                }

                foreach (var action in plan.Actions.Take(3))
                {
                    Console.WriteLine("         " + action.Reason);
                }

                if (plan.Actions.Count > 3)
                {
                    Console.WriteLine($"         … and {plan.Actions.Count - 3} more");
                }
            }
            else if (cycle.Stage == ControlCycleStage.Observed && cycles % 10 == 0)
            {
                Console.WriteLine($"[{cycles,3} s] observing ({cycles} of 30 s of history before the first forecast)");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.WriteLine($"[{cycles,3} s] cycle failed: {e.Message}");
        }
    }

    await load;

    // Every key is checked, not only those the generator rewrote: the initial load was acknowledged too, and a move
    // that lost a key nobody wrote again would otherwise go unseen.
    var lost = 0;
    var loaded = new string('v', 100);
    foreach (var i in Enumerable.Range(0, Keys))
    {
        var key = LoadGenerator.KeyOf(i);
        var expected = generator.Acknowledged.TryGetValue(key, out var value) ? value.ToString(CultureInfo.InvariantCulture) : loaded;
        var read = engine.Get(ShardKey.FromString(key));
        if (read is null || Encoding.ASCII.GetString(read) != expected)
        {
            lost++;
        }
    }

    var perNode = routing.Current.Routes.GroupBy(r => r.Node).ToDictionary(g => g.Key, g => g.Count());
    Console.WriteLine($"Done: {generator.Requests} requests, {cycles} control cycles, {splits} splits and {moves} moves carried out, routing version {routing.Current.Version}, {rangeIds.Allocated} range ids allocated.");
    Console.WriteLine("Partitions per node now: " + string.Join(", ", nodes.Select(n => $"{n}={perNode.GetValueOrDefault(n)}")));
    Console.WriteLine($"Verification: all {Keys} keys read back ({generator.Acknowledged.Count} rewritten during the run), {lost} lost or stale.");
    return lost == 0 ? 0 : 1;
}
finally
{
    folder.Delete(recursive: true);
}
