using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Planning;
using PredictiveSharding.Redis.Inventory;
using PredictiveSharding.Redis.Local;
using PredictiveSharding.Redis.Migration;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Traces;
using RedisClusterSample;
using StackExchange.Redis;

// Replays a real trace (Azure Functions invocations per minute; keys = functions) as Redis traffic against a Redis
// Cluster, and lets the control loop (LSTM forecast, genetic planner, slot-migration executor) move hash slots ahead of
// the load. Usage: dotnet run -c Release [-- --connect "host:port,...,allowAdmin=true"] [--trace file.csv] [--ops N]
var connect = Option(args, "--connect");
var tracePath = Option(args, "--trace") ?? Path.Combine(RepositoryRoot(), "samples", "traces", "azure_functions_minute.csv");
var totalOps = long.Parse(Option(args, "--ops") ?? "150000", CultureInfo.InvariantCulture);

// Each trace minute is replayed in this much real time, so the whole trace takes about a minute plus the loop's cycles.
var minuteDuration = TimeSpan.FromMilliseconds(double.Parse(Option(args, "--minute-ms") ?? "100", CultureInfo.InvariantCulture));
const int CycleEvery = 10;
const int Warmup = 60;

var trace = TraceCsv.ReadKeyTrace(tracePath);
Console.WriteLine($"Trace: {Path.GetFileName(tracePath)}: {trace.Keys.Count} keys x {trace.StepCount} steps of {trace.Step.TotalMinutes:0} min from {trace.Start:u}");

await using var local = connect is null ? await LocalRedisCluster.StartAsync(new LocalRedisClusterOptions { FirstPort = 27500 }, CancellationToken.None) : null;
var configuration = ConfigurationOptions.Parse(connect ?? local!.ConnectionString);
configuration.AllowAdmin = true;
await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
Console.WriteLine(local is null ? $"Connected to {connect}" : $"Started a local cluster: {string.Join(", ", local.Addresses)} (in {local.Directory})");

var clock = new FakeTimeProvider(trace.Start);
var routing = new RoutingTable(await RedisSlotRouting.BuildRoutingMapAsync(connection, maxSlotsPerPartition: 512, CancellationToken.None));
var masters = routing.Current.Routes.Select(r => r.Node.Value).Distinct().Order(StringComparer.Ordinal).ToList();
using var recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = trace.Step, SampleOneIn = 4 }, clock);

var traceTotal = Enumerable.Range(0, trace.StepCount).Sum(trace.TotalAt);
var scale = totalOps / traceTotal;
var peakMinute = Enumerable.Range(0, trace.StepCount).Max(trace.TotalAt) * scale;

// Each master can carry 1.5 x its share of the peak minute: a balanced cluster never comes near the 0.8 threshold,
// one that concentrates hot keys on a master does.
var capacity = 1.5 * peakMinute / masters.Count;
Console.WriteLine($"Cluster: {masters.Count} masters, {routing.Current.Count} partitions of up to 512 slots; replay scale {scale:0.###} (about {totalOps:N0} INCRs), capacity {capacity:0} requests/minute per master");

var journal = Path.Combine(Path.GetTempPath(), $"psharding-redis-sample-{Environment.ProcessId}.journal");
using var executor = new RedisSlotMigrationExecutor(connection, routing, new RedisMigrationOptions { JournalPath = journal, KeysPerBatch = 100 });
var inventory = new RedisClusterInventory(connection, new RedisClusterInventoryOptions { RequestCapacityPerBucket = capacity });
var forecaster = new LstmForecaster(new LstmForecasterOptions { ContextLength = 12, Horizon = CycleEvery, SeasonalLags = [60], Epochs = 8, WindowsPerEpoch = 512, Seed = 7 });
// The preset for forecasts whose q0.99 the loop's guard raises to burst bounds (its default), as AddPredictiveSharding
// registers it; seeded, with a short search budget for the cycle.
var plannerOptions = GeneticPlannerOptions.ForBurstBoundForecasts();
plannerOptions.Seed = 7;
plannerOptions.TimeBudget = TimeSpan.FromMilliseconds(300);
var planner = new GeneticShardPlanner(plannerOptions);
using var loop = new ShardingControlLoop(routing, recorder, forecaster, planner, executor, inventory, new ControlLoopOptions
{
    Interval = trace.Step * CycleEvery,
    Horizon = CycleEvery,
    WarmupBuckets = Warmup,
    RetrainEveryCycles = 0,
    Constraints = new PlanningConstraints { Cooldown = TimeSpan.FromMinutes(30), MaxPartitionBytes = null, MoveBandwidthBytesPerSecond = 5_000_000 },
});

var traffic = new TraceTraffic(trace, connection.GetDatabase(), recorder, routing, scale, "psharding-sample:");
await traffic.ClearAsync();
var windows = new List<Window>();
var moves = new List<string>();
var firstMove = -1;
var lastMove = -1;
var watch = Stopwatch.StartNew();
var windowStart = 0;
var windowOps = await IncrCallsAsync(connection, masters);
var windowWatch = Stopwatch.StartNew();
for (var step = 0; step < trace.StepCount; step++)
{
    var minuteStart = Stopwatch.GetTimestamp();
    await traffic.ReplayMinuteAsync(step);
    var left = minuteDuration - Stopwatch.GetElapsedTime(minuteStart);
    if (left > TimeSpan.Zero)
    {
        await Task.Delay(left);
    }

    clock.Advance(trace.Step);
    if ((step + 1) % CycleEvery != 0)
    {
        continue;
    }

    var ops = await IncrCallsAsync(connection, masters);
    windows.Add(new Window(windowStart, step + 1, masters.ToDictionary(m => m, m => traffic.PerMaster.GetValueOrDefault(m)), masters.ToDictionary(m => m, m => (ops[m] - windowOps[m]) / windowWatch.Elapsed.TotalSeconds)));
    traffic.PerMaster.Clear();
    var result = await loop.RunCycleAsync(CancellationToken.None);
    foreach (var move in executor.LastMoves.Where(_ => result.Stage == ControlCycleStage.Executed))
    {
        var text = $"[{trace.StartOf(step + 1):HH:mm}] moved {move.Partition} ({move.Slots} slots, {move.KeysMigrated} keys) {move.From} -> {move.To}";
        moves.Add(text);
        Console.WriteLine(text);

        // Each action says why: the planner's reason for this move (the breach it answers).
        var why = result.Plan!.Actions.OfType<MoveAction>().FirstOrDefault(a => a.Shard.Value == move.Partition)?.Reason;
        if (why is not null)
        {
            Console.WriteLine("        " + why);
        }

        firstMove = firstMove < 0 ? windows.Count : firstMove;
        lastMove = windows.Count;
    }

    foreach (var error in result.Execution?.Errors ?? [])
    {
        Console.WriteLine($"[{trace.StartOf(step + 1):HH:mm}] not done: {error}");
    }

    windowStart = step + 1;
    windowOps = await IncrCallsAsync(connection, masters);
    windowWatch.Restart();
}

var hottest = Enumerable.Range(0, trace.Keys.Count).Select(k => (Key: trace.Keys[k], PerMinute: trace.CountsOf(k).ToArray().Sum() * scale / trace.StepCount)).MaxBy(k => k.PerMinute);
Console.WriteLine($"Hottest single key: {hottest.Key} (slot {HashSlot.GetSlot("psharding-sample:" + hottest.Key)}), {hottest.PerMinute:0.0} requests/trace-minute on average; a slot is the smallest unit Redis can move.");
Console.WriteLine($"Replayed {trace.StepCount} trace minutes in {watch.Elapsed.TotalSeconds:0.0} s; {moves.Count} partition moves.");
Print("Before the first move", windows.Take(firstMove < 0 ? windows.Count : firstMove).ToList(), masters);
Print("After the last move", windows.Skip(lastMove < 0 ? windows.Count : lastMove).ToList(), masters);
var (checkedKeys, lost) = await traffic.VerifyAsync();
Console.WriteLine($"Verification: {checkedKeys} keys, {lost.Count} with a value other than their acknowledged INCRs ({traffic.Failed} INCRs failed and were not acknowledged).");
foreach (var line in lost.Take(10))
{
    Console.WriteLine("  lost: " + line);
}

File.Delete(journal);
return lost.Count == 0 ? 0 : 1;

static void Print(string title, List<Window> windows, List<string> masters)
{
    if (windows.Count == 0)
    {
        Console.WriteLine($"{title}: no complete window.");
        return;
    }

    var minutes = windows.Sum(w => w.To - w.From);
    var perMinute = masters.Select(m => windows.Sum(w => w.Requests[m]) / (double)minutes).ToList();
    var opsPerSecond = masters.Select(m => windows.Average(w => w.OpsPerSecond[m])).ToList();
    Console.WriteLine($"{title} (trace minutes {windows[0].From}-{windows[^1].To}):");
    for (var i = 0; i < masters.Count; i++)
    {
        Console.WriteLine($"  {masters[i]}: {perMinute[i],8:0.0} requests/trace-minute, {opsPerSecond[i],8:0} INCR/s measured by INFO commandstats");
    }

    Console.WriteLine($"  hottest master / mean: {perMinute.Max() / perMinute.Average():0.00}");
}

static async Task<Dictionary<string, long>> IncrCallsAsync(ConnectionMultiplexer connection, List<string> masters)
{
    var calls = new Dictionary<string, long>(StringComparer.Ordinal);
    foreach (var master in masters)
    {
        var info = (await connection.GetServer(master).InfoAsync("commandstats")).SelectMany(g => g).FirstOrDefault(p => p.Key == "cmdstat_incr").Value ?? string.Empty;
        var callsField = info.Split(',').FirstOrDefault(f => f.StartsWith("calls=", StringComparison.Ordinal));
        calls[master] = callsField is null ? 0 : long.Parse(callsField[6..], CultureInfo.InvariantCulture);
    }

    return calls;
}

static string? Option(string[] args, string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static string RepositoryRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "PredictiveSharding.sln")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException("PredictiveSharding.sln not found above the program's folder; pass --trace.");
}

internal sealed record Window(int From, int To, Dictionary<string, long> Requests, Dictionary<string, double> OpsPerSecond);
