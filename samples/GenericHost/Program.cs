// GenericHost: PredictiveSharding registered in an existing .NET service with AddPredictiveSharding, configured from
// appsettings.json. The service owns a RocksDB-backed key-value store; the control loop runs as a hosted service.
//
//   dotnet run -c Release --project samples/GenericHost
using EmbeddedEngine;
using GenericHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PredictiveSharding.Execution;
using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Hosting.DependencyInjection;
using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;
using PredictiveSharding.Storage.RocksDb;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

// appsettings.json sits beside the program, wherever it is started from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.Configure<SampleSettings>(builder.Configuration.GetSection("Sample"));
var section = builder.Configuration.GetSection("PredictiveSharding");
SampleSettings sample;
try
{
    // Every section bound once before anything starts: a value the binder cannot convert ("ten" for a number) throws an
    // InvalidOperationException naming its path, reported here as one line rather than as a stack trace from the host's
    // start. Values out of range are refused at start by the options' validation (OptionsValidationException, below).
    sample = builder.Configuration.GetSection("Sample").Get<SampleSettings>() ?? new SampleSettings();
    sample.Validate();
    _ = section.GetSection("ControlLoop").Get<ControlLoopOptions>();
    _ = section.GetSection("Recorder").Get<LoadRecorderOptions>();
    _ = section.GetSection("Lstm").Get<LstmForecasterOptions>();
    _ = section.GetSection("Planner").Get<GeneticPlannerOptions>();
    _ = section.GetSection("Executor").Get<ExecutorOptions>();
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine("Invalid configuration: " + e.Message);
    return 2;
}

var folder = Directory.CreateTempSubdirectory("psharding-generichost-");

// What the service already had: nodes, a routing table, a store.
var nodes = Enumerable.Range(1, sample.Nodes).Select(i => new NodeId("n" + i)).ToArray();
var starts = Enumerable.Range(0, sample.Partitions).Select(p => p == 0 ? ShardKey.Empty : ShardKey.FromString(LoadGenerator.KeyOf(p * sample.Keys / sample.Partitions))).ToArray();
var routing = new RoutingTable(new RoutingMap(starts.Select((start, p) => new PartitionRoute(new PartitionId("p" + p), new KeyRange(start, p == starts.Length - 1 ? null : starts[p + 1]), nodes[p % nodes.Length])), 0));
var store = new RocksDbCluster(new RocksDbClusterOptions { RootDirectory = Path.Combine(folder.FullName, "nodes") }, nodes, routing);
builder.Services.AddSingleton<IRoutingTable>(routing);
builder.Services.AddSingleton(store);
builder.Services.AddSingleton<IDataMover>(store);
builder.Services.AddSingleton(sp => new KeyValueEngine(routing, store, sp.GetRequiredService<LoadRecorder>()));
var capacity = sample.RequestsPerSecond / (sample.Nodes * 0.6);
builder.Services.AddSingleton<IClusterInventory>(new FixedClusterInventory(
    nodes.Select(n => new NodeInfo(n, new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = capacity })).ToArray(),
    route =>
    {
        var count = store.Node(route.Node).Scan(route.Range, int.MaxValue, CancellationToken.None).Entries.Count;
        return (count * 110L, count);
    }));

// PredictiveSharding: one call, options from configuration (validated at start), defaults LSTM + GA + journalled executor.
// The binder skips UtilizationThresholds (keyed by ResourceKind, which it cannot bind); the builder reads them.
builder.Services.AddPredictiveSharding(o => section.GetSection("ControlLoop").Bind(o), o => section.GetSection("Recorder").Bind(o))
    .BindUtilizationThresholds(section.GetSection("ControlLoop:Constraints:UtilizationThresholds"));
builder.Services.Configure<LstmForecasterOptions>(section.GetSection("Lstm"));
builder.Services.Configure<GeneticPlannerOptions>(section.GetSection("Planner"));
builder.Services.Configure<ExecutorOptions>(o =>
{
    section.GetSection("Executor").Bind(o);
    o.JournalPath = Path.Combine(folder.FullName, "moves.journal");
});
builder.Services.AddSingleton<TrafficService>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<TrafficService>());

try
{
    using var host = builder.Build();

    // The options' validation runs at start anyway; run it now so that a bad setting stops the sample before it loads keys.
    host.Services.GetService<IStartupValidator>()?.Validate();

    // Load the keys before serving.
    var engine = host.Services.GetRequiredService<KeyValueEngine>();
    foreach (var i in Enumerable.Range(0, sample.Keys))
    {
        await engine.PutAsync(ShardKey.FromString(LoadGenerator.KeyOf(i)), new byte[100], CancellationToken.None);
    }

    Console.WriteLine($"{sample.Nodes} nodes, {sample.Partitions} partitions, {sample.Keys} keys; serving {sample.RequestsPerSecond} requests/s for {sample.Seconds} s with the control loop as a hosted service.");
    var traffic = host.Services.GetRequiredService<TrafficService>();
    await host.RunAsync();
    return traffic.Verify() == 0 ? 0 : 1;
}
catch (OptionsValidationException e)
{
    // One line: an out-of-range message ends with the runtime's "Actual value was ..." on a line of its own.
    Console.Error.WriteLine("Invalid configuration: " + e.Message.ReplaceLineEndings(" "));
    return 2;
}
catch (AggregateException e) when (e.InnerExceptions.All(inner => inner is OptionsValidationException))
{
    // More than one options class failed its validation (a bad loop setting also fails the options made from the loop's).
    Console.Error.WriteLine("Invalid configuration: " + string.Join("; ", e.InnerExceptions.Select(inner => inner.Message.ReplaceLineEndings(" ")).Distinct()));
    return 2;
}
finally
{
    store.Dispose();
    folder.Delete(recursive: true);
}
