using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PredictiveSharding.Cli.Commands;
using PredictiveSharding.Planning;
using PredictiveSharding.Simulation;

using static PredictiveSharding.Cli.Tests.CliProcess;
using PredictiveSharding.TestKit;

namespace PredictiveSharding.Cli.Tests;

/// <summary>
/// <c>psharding simulate</c> end to end: the built tool runs as a child process on a small synthetic key trace (a hot
/// block of keys that moves across the key space) with every strategy, including the default LSTM and GA.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SimulateCommandTests : TempFolderFixture
{
    private static readonly string[] TopFields = ["nodes", "nodeCapacity", "warmupSteps", "unavoidableNodeSteps", "strategies"];
    private static readonly string[] StrategyFields = ["name", "overloadNodeMinutes", "overloadedRequestShare", "p99Utilization", "splits", "moves", "bytesMoved", "computeSeconds", "setting", "forecastSeconds", "planSeconds", "moveOverloadNodeMinutes"];
    private static readonly string[] Names = ["static", "reactive", "reactive-default", "predictive", "oracle"];

    [Test]
    public async Task Simulate_WithJson_PrintsExactlyOneObjectWithEveryStrategy()
    {
        var trace = WriteShiftingHotSpot("hot.csv", steps: 100);
        var plot = Path.Combine(Folder, "hot.png");

        var (exitCode, stdout, stderr) = await RunAsync("simulate", "--trace", trace, "--nodes", "4", "--partitions", "4", "--horizon", "4", "--plot", plot, "--json");

        Assert.That(exitCode, Is.Zero, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines, Has.Length.EqualTo(1), "stdout holds the JSON object and nothing else");
        using var document = JsonDocument.Parse(lines[0]);
        var root = document.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(TopFields));
            Assert.That(root.GetProperty("nodes").GetInt32(), Is.EqualTo(4));
            Assert.That(root.GetProperty("nodeCapacity").GetDouble(), Is.EqualTo(64 / (4 * 0.8)).Within(1e-9), "peak total 64 per step / (4 nodes × 0.8)");
            Assert.That(root.GetProperty("warmupSteps").GetInt32(), Is.EqualTo(30));
            Assert.That(root.GetProperty("unavoidableNodeSteps").GetInt64(), Is.Zero);
        });
        var strategies = root.GetProperty("strategies").EnumerateArray().ToList();
        Assert.That(strategies.Select(s => s.GetProperty("name").GetString()), Is.EqualTo(Names));
        foreach (var strategy in strategies)
        {
            Assert.That(strategy.EnumerateObject().Select(p => p.Name), Is.EqualTo(StrategyFields));
            Assert.That(strategy.GetProperty("overloadNodeMinutes").GetDouble(), Is.InRange(0.0, 4 * 70.0));
            Assert.That(strategy.GetProperty("overloadedRequestShare").GetDouble(), Is.InRange(0.0, 1.0));
            Assert.That(strategy.GetProperty("moveOverloadNodeMinutes").GetDouble(), Is.InRange(0.0, strategy.GetProperty("overloadNodeMinutes").GetDouble()), "overload by the strategy's own copies is part of its overload");
            Assert.That(strategy.GetProperty("setting").GetString(), Is.Not.Empty);
        }

        var staticMinutes = strategies[0].GetProperty("overloadNodeMinutes").GetDouble();
        Assert.Multiple(() =>
        {
            Assert.That(staticMinutes, Is.EqualTo(70), "static overloads the hot block's node at each of the 70 measured minutes");
            Assert.That(strategies[4].GetProperty("overloadNodeMinutes").GetDouble(), Is.LessThan(staticMinutes), "the oracle does better than doing nothing");
            Assert.That(new FileInfo(plot).Length, Is.GreaterThan(1000), "--plot wrote a PNG");
            Assert.That(stderr, Does.Contain("16 keys × 100 steps"), "progress goes to stderr");
        });
    }

    [Test]
    public async Task Simulate_WithoutJson_PrintsATableWithTheComparison()
    {
        var trace = WriteShiftingHotSpot("table.csv", steps: 40);

        var (exitCode, stdout, stderr) = await RunAsync("simulate", "--trace", trace, "--nodes", "4", "--partitions", "4", "--strategies", "static,reactive-default");

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("static").And.Contain("reactive-default").And.Contain("overload node-min").And.Contain("of it by copies"));
    }

    [Test]
    public void MoveOverloadNote_WhenPredictiveLosesWithCopiesPuttingNodesOver_SaysHowMuchAndWhatTellsThePlanner()
    {
        // rm17, a fresh per-minute draw of the random-bursts family: predictive 6 against reactive's 2, 3 of them by copies.
        var note = SimulateTable.MoveOverloadNote(predictive: 6, predictiveByMoves: 3, reactive: 2, reactiveByMoves: 0, suggestPlannedMoveOverhead: true);
        var told = SimulateTable.MoveOverloadNote(6, 3, 2, 0, suggestPlannedMoveOverhead: false);

        Assert.Multiple(() =>
        {
            Assert.That(note, Is.EqualTo("predictive overloaded 4 node-minutes more than the best reactive; 3 of its overloaded node-minutes were on nodes whose requests alone were within capacity (its own moves' copy load put them over; reactive's: 0); --planned-move-overhead tells the planners that load"));
            Assert.That(told, Does.Not.Contain("--planned-move-overhead"), "a planner already told is not told again");
            Assert.That(SimulateTable.MoveOverloadNote(2, 2, 2, 0, true), Is.Null, "no worse than reactive: nothing to explain");
            Assert.That(SimulateTable.MoveOverloadNote(6, 0, 2, 0, true), Is.Null, "its copies overloaded nothing");
        });
    }

    [Test]
    public async Task Simulate_WithNoBurstAware_TurnsOffThePreSplittingForThePredictiveStrategyOnly()
    {
        var trace = WriteShiftingHotSpot("burst.csv", steps: 60);
        string[] common = ["simulate", "--trace", trace, "--nodes", "4", "--partitions", "4", "--horizon", "4", "--strategies", "predictive,oracle", "--json"];

        var (plain, burst) = await StrategiesWithAndWithoutAsync(common, "--no-burst-aware");

        Assert.Multiple(() =>
        {
            Assert.That(burst[0].GetProperty("setting").GetString(), Does.Contain(", burst-aware splits"));
            Assert.That(plain[0].GetProperty("setting").GetString(), Does.Not.Contain("burst-aware"));
            Assert.That(burst[1].GetProperty("overloadNodeMinutes").GetDouble(), Is.EqualTo(plain[1].GetProperty("overloadNodeMinutes").GetDouble()), "the oracle's true-future forecast has no q0.99 to raise, so the flag leaves its result alone");
        });
    }

    [TestCase("--no-seasonal-floor", ", seasonal floor (periods ≥ ", "seasonal")]
    [TestCase("--no-initial-range-growth", "(growth also learnt from the initial key ranges)", "initial key ranges")]
    public async Task Simulate_WithAnOffFlag_TurnsThatGuardOffForThePredictiveStrategy(string offFlag, string settingWhenOn, string absentWhenOff)
    {
        var trace = WriteShiftingHotSpot("guard-flag.csv", steps: 60);
        string[] common = ["simulate", "--trace", trace, "--nodes", "4", "--partitions", "4", "--horizon", "4", "--strategies", "predictive", "--json"];

        var (off, on) = await StrategiesWithAndWithoutAsync(common, offFlag);

        Assert.Multiple(() =>
        {
            Assert.That(on[0].GetProperty("setting").GetString(), Does.Contain(settingWhenOn));
            Assert.That(off[0].GetProperty("setting").GetString(), Does.Not.Contain(absentWhenOff));
        });
    }

    [Test]
    public async Task Simulate_WithStoreRebalance_KeepsTheDatabasesBalancerUnderBothPlannedStrategies()
    {
        var trace = WriteShiftingHotSpot("store-rebalance.csv", steps: 60);
        string[] common = ["simulate", "--trace", trace, "--nodes", "4", "--partitions", "4", "--horizon", "4", "--strategies", "predictive,oracle", "--json"];

        var (with, without) = await StrategiesWithAndWithoutAsync(common, "--store-rebalance");

        Assert.Multiple(() =>
        {
            Assert.That(with.Select(s => s.GetProperty("setting").GetString()), Is.All.Contain(", store rebalancer while the plan moves nothing"));
            Assert.That(without.Select(s => s.GetProperty("setting").GetString()), Is.All.Not.Contain("store rebalancer"), "off by default");
        });
    }

    [Test]
    public async Task Simulate_WithMoveCost_SetsThePredictivePlannersMoveCostAndLeavesTheOraclesAlone()
    {
        var trace = WriteShiftingHotSpot("movecost.csv", steps: 60);
        string[] common = ["simulate", "--trace", trace, "--nodes", "4", "--partitions", "4", "--horizon", "4", "--strategies", "predictive,oracle", "--json"];

        var cheap = await StrategiesOfAsync([.. common, "--move-cost", "0"]);
        var costly = await StrategiesOfAsync([.. common, "--move-cost", "1000000"]);
        Assert.Multiple(() =>
        {
            Assert.That(cheap[0].GetProperty("setting").GetString(), Does.Contain(", move cost 0,"));
            Assert.That(costly[0].GetProperty("setting").GetString(), Does.Contain(", move cost 1000000,"));
            Assert.That(cheap[0].GetProperty("bytesMoved").GetInt64(), Is.Positive, "with free moves the hot block's pieces are spread");
            Assert.That(costly[0].GetProperty("bytesMoved").GetInt64(), Is.Zero, "no predicted peak is worth a move at that price");
            Assert.That(costly[1].GetProperty("overloadNodeMinutes").GetDouble(), Is.EqualTo(cheap[1].GetProperty("overloadNodeMinutes").GetDouble()), "the oracle keeps its own move costs");
            Assert.That(costly[1].GetProperty("setting").GetString(), Is.EqualTo(cheap[1].GetProperty("setting").GetString()));
        });
    }

    [Test]
    public async Task Simulate_PlannerWeights_AreNamedInBothPlannedStrategiesSettings()
    {
        var trace = WriteShiftingHotSpot("breachsum.csv", steps: 60);
        string[] common = ["simulate", "--trace", trace, "--nodes", "4", "--partitions", "4", "--horizon", "4", "--strategies", "predictive,oracle", "--json"];

        var byDefault = await StrategiesOfAsync(common);
        var breachSum = await StrategiesOfAsync([.. common, "--breach-sum-weight", "3"]);
        var noIsolation = await StrategiesOfAsync([.. common, "--isolation-weight", "0"]);
        var perMove = await StrategiesOfAsync([.. common, "--per-move-cost", "0.01"]);
        var noSpread = await StrategiesOfAsync([.. common, "--overflow-spread-weight", "0"]);
        var measuredSplits = await StrategiesOfAsync([.. common, "--measured-split-share", "0.2"]);
        var noMeasuredSplits = await StrategiesOfAsync([.. common, "--measured-split-share", "0"]);
        Assert.Multiple(() =>
        {
            Assert.That(measuredSplits[0].GetProperty("setting").GetString(), Does.Contain(", load-based splits above 0.2 × capacity, move cost 2,"));
            Assert.That(measuredSplits[1].GetProperty("setting").GetString(), Does.Contain(", load-based splits above 0.2 × capacity"));
            Assert.That(byDefault[0].GetProperty("setting").GetString(), Does.Contain(", load-based splits above 0.03 × capacity, move cost 2,"), "on by default at the published thresholds' mapping");
            Assert.That(byDefault[1].GetProperty("setting").GetString(), Does.Contain(", load-based splits above 0.03 × capacity"));
            Assert.That(noMeasuredSplits[0].GetProperty("setting").GetString() + noMeasuredSplits[1].GetProperty("setting").GetString(), Does.Not.Contain("load-based"));
            Assert.That(perMove[0].GetProperty("setting").GetString(), Does.EndWith(", move cost 2, isolation weight 2, overflow spread weight 0.05, per-move cost 0.01, bytes within 1 × what reactive at 0.03 moves + 4 partitions, never past the larger of 2 × and 4 partitions"));
            Assert.That(perMove[1].GetProperty("setting").GetString(), Does.EndWith(", isolation weight 2, overflow spread weight 0.05, per-move cost 0.01"));
            Assert.That(byDefault[0].GetProperty("setting").GetString(), Does.Not.Contain("per-move"));
            Assert.That(byDefault[0].GetProperty("setting").GetString(), Does.EndWith(", move cost 2, isolation weight 2, overflow spread weight 0.05, bytes within 1 × what reactive at 0.03 moves + 4 partitions, never past the larger of 2 × and 4 partitions"));
            Assert.That(byDefault[1].GetProperty("setting").GetString(), Does.EndWith(", isolation weight 2, overflow spread weight 0.05"));
            Assert.That(byDefault[0].GetProperty("setting").GetString(), Does.Not.Contain("breach sum"));
            Assert.That(breachSum[0].GetProperty("setting").GetString(), Does.EndWith(", move cost 2, breach sum weight 3, isolation weight 2, overflow spread weight 0.05, bytes within 1 × what reactive at 0.03 moves + 4 partitions, never past the larger of 2 × and 4 partitions"));
            Assert.That(breachSum[1].GetProperty("setting").GetString(), Does.EndWith(", breach sum weight 3, isolation weight 2, overflow spread weight 0.05"));
            Assert.That(noIsolation[0].GetProperty("setting").GetString(), Does.EndWith(", move cost 2, overflow spread weight 0.05, bytes within 1 × what reactive at 0.03 moves + 4 partitions, never past the larger of 2 × and 4 partitions"));
            Assert.That(noIsolation[1].GetProperty("setting").GetString(), Does.Not.Contain("isolation"));
            Assert.That(noSpread[0].GetProperty("setting").GetString() + noSpread[1].GetProperty("setting").GetString(), Does.Not.Contain("overflow spread"));
        });
    }

    [Test]
    public async Task Simulate_WithAHostsPolicy_PlansBothPlannedStrategiesToIt()
    {
        var trace = WriteShiftingHotSpot("policy.csv", steps: 40);

        var (exitCode, stdout, stderr) = await RunAsync("simulate", "--trace", trace, "--nodes", "4", "--partitions", "4", "--horizon", "4", "--strategies", "predictive,oracle", "--planning-quantile", "0.9", "--utilization-threshold", "0.8", "--json");

        Assert.That(exitCode, Is.Zero, stderr);
        var strategies = Strategies(stdout);
        Assert.Multiple(() =>
        {
            Assert.That(strategies[0].GetProperty("setting").GetString(), Does.Contain("q0.9 under 0.8 × capacity"));
            Assert.That(strategies[1].GetProperty("setting").GetString(), Does.Contain("q0.9 under 0.8 × capacity"));
        });
    }

    [Test]
    public async Task Simulate_WhenTheTraceFileIsMissing_ExitsWithTwoNamingIt()
    {
        var missing = Path.Combine(Folder, "nope.csv");

        var (exitCode, _, stderr) = await RunAsync("simulate", "--trace", missing);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain(missing));
    }

    [Test]
    public async Task Simulate_WhenTheTraceIsAFolder_ExitsWithTwoSayingItIsAFolder()
    {
        // It said the trace file "does not exist", of a path that does: a folder.
        var (exitCode, _, stderr) = await RunAsync("simulate", "--trace", Folder);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--trace").And.Contain(Folder).And.Contain("is a folder"));
        Assert.That(stderr, Does.Not.Contain("does not exist"));
    }

    [TestCase("--plot")]
    [TestCase("--utilization-csv")]
    public async Task Simulate_WhenAnOutputFileIsAFolder_ExitsWithTwoBeforeReplaying(string option)
    {
        var trace = WriteShiftingHotSpot("output-folder.csv", steps: 20);

        var (exitCode, _, stderr) = await RunAsync("simulate", "--trace", trace, "--strategies", "static", option, Folder, "--json");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain(option + ":").And.Contain("is a folder"));
        Assert.That(stderr, Does.Not.Contain("replaying"), "refused before the run, not after it");
    }

    // "01/02/2026 00:01:00" was read by the current culture's rules (2 January here, 1 February elsewhere).
    [TestCase("yesterday")]
    [TestCase("01/02/2026 00:01:00")]
    public async Task Simulate_WhenATimestampIsNotIso8601_ExitsWithTwoNamingTheLineAndValue(string timestamp)
    {
        var path = Path.Combine(Folder, "bad.csv");
        await File.WriteAllTextAsync(path, $"timestamp,key,count\n2026-01-01T00:00:00Z,a,1\n{timestamp},b,2\n");

        var (exitCode, _, stderr) = await RunAsync("simulate", "--trace", path);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain($"line 3: '{timestamp}' is not an ISO-8601 timestamp"));
    }

    [TestCase("--plot", "u.png")]
    [TestCase("--utilization-csv", "u.csv")]
    public async Task Simulate_WhenAnOutputFilesFolderDoesNotExist_ExitsWithTwoBeforeReplaying(string option, string file)
    {
        var trace = WriteShiftingHotSpot("plot-folder.csv", steps: 20);
        var plot = Path.Combine(Folder, "no-such-folder", file);

        var (exitCode, stdout, stderr) = await RunAsync("simulate", "--trace", trace, "--strategies", "static", option, plot, "--json");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(stderr, Does.Contain(option + ":").And.Contain(plot));
            Assert.That(stderr, Does.Not.Contain("replaying"), "refused before the run, not after it");
            Assert.That(stderr, Does.Not.Contain("   at "), "a message, not a stack trace");
            Assert.That(stdout, Is.Empty);
        });
    }

    [TestCase("--plot", "")]
    [TestCase("--utilization-csv", "")]
    [TestCase("--plot", "a\0b.png")]
    [TestCase("--utilization-csv", "a\0b.csv")]
    public async Task Simulate_WhenAnOutputPathIsNoPath_ExitsWithTwoNamingTheOption(string option, string path)
    {
        // Path.GetFullPath refuses these with an ArgumentException about its own parameter ('path'): the message named
        // neither the option nor the value ("simulate: The value cannot be an empty string.").
        var trace = WriteShiftingHotSpot("no-path.csv", steps: 20);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var settings = option == "--plot"
            ? new SimulateSettings { Trace = trace, Strategies = ["static"], Plot = path }
            : new SimulateSettings { Trace = trace, Strategies = ["static"], UtilizationCsv = path };

        var code = await SimulateCommand.RunAsync(settings, json: true, output, error, interactive: false, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2));
            Assert.That(error.ToString(), Does.StartWith("simulate: " + option + ": '" + path.Replace("\0", "\\0", StringComparison.Ordinal) + "'"));
            Assert.That(error.ToString(), Does.Not.Contain("keys ×"), "refused before the trace is read and replayed");
            Assert.That(output.ToString(), Is.Empty);
        });
    }

    [Test]
    public async Task Simulate_WhenThePlotCannotBeWritten_PrintsTheReportFirstThenExitsWithTwo_AndStillWritesTheCsv()
    {
        // /dev/full takes no byte (ENOSPC, a full disk): it passes the checks before the run, and writing the PNG there
        // fails. (An existing folder, used before, is now refused before the run.)
        Assume.That(File.Exists("/dev/full"), "a device that is always full");
        var trace = WriteShiftingHotSpot("plot-write.csv", steps: 20);
        const string plot = "/dev/full";
        var csv = Path.Combine(Folder, "plot-write-utilization.csv");

        var (exitCode, stdout, stderr) = await RunAsync("simulate", "--trace", trace, "--strategies", "static", "--plot", plot, "--utilization-csv", csv, "--json");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(stderr, Does.Contain("--plot").And.Contain(plot).And.Contain("cannot be written"));
            Assert.That(stderr, Does.Not.Contain("   at "), "a message, not a stack trace");
            Assert.That(File.ReadAllLines(csv), Has.Length.EqualTo(1 + (20 * 8)), "the CSV is written although the plot failed: a header and 20 steps × 8 nodes");
        });
        using var document = JsonDocument.Parse(stdout);
        Assert.That(document.RootElement.GetProperty("strategies")[0].GetProperty("name").GetString(), Is.EqualTo("static"), "the run's figures are not lost with the plot");
    }

    [Test]
    public async Task Simulate_WithUtilizationCsv_WritesEveryStrategyStepAndNode_WhoseMeasuredOverloadsAreTheReportedMinutes()
    {
        var trace = WriteShiftingHotSpot("utilization.csv", steps: 40);
        var csv = Path.Combine(Folder, "utilization-out.csv");

        var (exitCode, stdout, stderr) = await RunAsync("simulate", "--trace", trace, "--nodes", "4", "--partitions", "4", "--strategies", "static,reactive-default", "--utilization-csv", csv, "--json");

        Assert.That(exitCode, Is.Zero, stderr);
        using var document = JsonDocument.Parse(stdout);
        var reported = document.RootElement.GetProperty("strategies").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("overloadNodeMinutes").GetDouble());
        var warmup = document.RootElement.GetProperty("warmupSteps").GetInt32();
        var lines = File.ReadAllLines(csv);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(lines[0], Is.EqualTo("strategy,step,timestamp,node,utilization,measured"));
            Assert.That(rows, Has.Count.EqualTo(2 * 40 * 4), "two strategies × 40 steps × 4 nodes");
            Assert.That(rows[0], Is.EqualTo(new[] { "static", "0", "2026-01-01T00:00:00Z", "0", rows[0][4], "false" }));
            Assert.That(rows.Where(r => r[1] == "39").Select(r => r[2]).Distinct(), Is.EqualTo(new[] { "2026-01-01T00:39:00Z" }), "one-minute steps");
            Assert.That(rows.All(r => (r[5] == "true") == (int.Parse(r[1], CultureInfo.InvariantCulture) >= warmup)), Is.True, "measured from the end of the warm-up on");
            foreach (var (name, minutes) in reported)
            {
                var overloaded = rows.Count(r => r[0] == name && r[5] == "true" && double.Parse(r[4], CultureInfo.InvariantCulture) > 1);
                Assert.That(overloaded, Is.EqualTo(minutes), $"{name}: measured rows over capacity × 1-minute steps are its overloaded node-minutes");
            }

            Assert.That(reported["static"], Is.GreaterThan(0), "the hot block overloads a node when nothing moves");
            Assert.That(stderr, Does.Contain("wrote " + csv));
        });
    }

    [Test]
    public async Task Simulate_WithUtilizationCsv_WritesTheStepsTimestampsToTheirFractionOfASecond()
    {
        // Per-minute rows scraped half a second past the minute: the inferred grid starts at the first timestamp, and the
        // CSV wrote every step's start cut to the whole second (00:01:00Z for a step the trace has at 00:01:00.5Z).
        var csv = new StringBuilder("timestamp,key,count\n");
        for (var s = 0; s < 10; s++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"2026-01-01T00:{s:D2}:00.5Z,a,{1 + s}\n");
            csv.Append(CultureInfo.InvariantCulture, $"2026-01-01T00:{s:D2}:00.5Z,b,2\n");
        }

        var trace = Path.Combine(Folder, "half-second.csv");
        File.WriteAllText(trace, csv.ToString());
        var output = Path.Combine(Folder, "half-second-utilization.csv");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await SimulateCommand.RunAsync(new SimulateSettings { Trace = trace, Nodes = 2, Strategies = ["static"], UtilizationCsv = output }, json: true, stdout, stderr, interactive: false, null, CancellationToken.None);

        Assert.That(code, Is.Zero, stderr.ToString());
        var timestamps = File.ReadAllLines(output).Skip(1).Select(l => l.Split(',')[2]).Distinct().ToList();
        Assert.That(timestamps, Is.EqualTo(Enumerable.Range(0, 10).Select(s => string.Create(CultureInfo.InvariantCulture, $"2026-01-01T00:{s:D2}:00.5Z"))));
    }

    [TestCase("--nodes", "0")]
    [TestCase("--nodes", "-2")]
    [TestCase("--headroom", "0")]
    [TestCase("--headroom", "1.5")]
    [TestCase("--warmup", "1")]
    [TestCase("--warmup", "-0.1")]
    [TestCase("--move-cost", "-1")]
    [TestCase("--burst-level-steps", "0")]
    [TestCase("--level-shift-steps", "-1")]
    [TestCase("--breach-sum-weight", "-1")]
    [TestCase("--isolation-weight", "-1")]
    [TestCase("--overflow-spread-weight", "-0.05")]
    [TestCase("--per-move-cost", "-1")]
    [TestCase("--reactive-byte-budget", "-1")]
    [TestCase("--measured-split-share", "1")]
    [TestCase("--measured-split-share", "-0.1")]
    [TestCase("--planning-quantile", "1")]
    [TestCase("--utilization-threshold", "0")]
    [TestCase("--single-key-correlation", "1.5")]
    [TestCase("--partitions", "17")]
    public async Task Simulate_WhenAnOptionIsOutOfRange_ExitsWithTwoNamingTheOptionAndValue(string option, string value)
    {
        var trace = WriteShiftingHotSpot("range.csv", steps: 20);

        var (exitCode, stdout, stderr) = await RunAsync("simulate", "--trace", trace, option, value);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(stderr, Does.Contain(option).And.Contain("got " + value));
            Assert.That(stdout, Is.Empty);
        });
    }

    [Test]
    public async Task Simulate_WhenCancelled_ExitsWith130SayingSo_AndPrintsNoReport()
    {
        var trace = WriteShiftingHotSpot("cancel.csv", steps: 20);
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var code = await SimulateCommand.RunAsync(new SimulateSettings { Trace = trace, Strategies = ["static"] }, json: true, output, error, interactive: false, null, cancelled.Token);

        // It stops while reading the trace: reading a large one ran to its end regardless, and after System.CommandLine's
        // two seconds of grace the process ended with 130 but without the message.
        CancelledRun.AssertReported(code, output, error);
        Assert.That(error.ToString(), Does.Not.Contain("keys ×"), "the trace's summary comes only after it was read");
    }

    [Test]
    public async Task Simulate_WhenCancelledWhileWritingTheFiles_ExitsWith130SayingSo_AndLeavesTheFilesAsTheyWere()
    {
        // Ctrl+C once the figures are out, while the plot and the CSV are written: the writes did not look at the token
        // and wrote the files in place, so System.CommandLine's two seconds of grace ended the process part-way through a
        // large CSV, leaving it cut off (and an earlier run's file already replaced).
        var trace = WriteShiftingHotSpot("cancel-files.csv", steps: 20);
        var plot = Path.Combine(Folder, "cancel-files.png");
        var csv = Path.Combine(Folder, "cancel-files-utilization.csv");
        File.WriteAllText(csv, "an earlier run's figures\n");
        using var cancelled = new CancellationTokenSource();
        using var output = new CancellingWriter(cancelled);
        using var error = new StringWriter();
        var before = Directory.GetFiles(Folder).Order(StringComparer.Ordinal).ToList();

        var code = await SimulateCommand.RunAsync(new SimulateSettings { Trace = trace, Strategies = ["static"], Plot = plot, UtilizationCsv = csv }, json: true, output, error, interactive: false, null, cancelled.Token);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(130), error.ToString());
            Assert.That(error.ToString(), Does.Contain("cancelled").And.Contain(csv));
            Assert.That(output.ToString(), Does.Contain("\"strategies\""), "the figures came before the files");
            Assert.That(File.Exists(plot), Is.False, "no plot was begun");
            Assert.That(File.ReadAllText(csv), Is.EqualTo("an earlier run's figures\n"), "the earlier file is left whole");
            Assert.That(Directory.GetFiles(Folder).Order(StringComparer.Ordinal), Is.EqualTo(before), "no partial or temporary file is left behind");
        });
    }

    /// <summary>Standard output that cancels the run once the report is written to it, as a Ctrl+C just after the figures.</summary>
    private sealed class CancellingWriter(CancellationTokenSource source) : StringWriter(CultureInfo.InvariantCulture)
    {
        public override async Task WriteLineAsync(string? value)
        {
            await base.WriteLineAsync(value);
            await source.CancelAsync();
        }
    }

    [Test]
    public async Task Simulate_WhenAStrategyLeavesNotes_PrintsThemOnStderrAndKeepsStdoutOneObject()
    {
        // Without a warm-up the LSTM has nothing to train on at first: the predictive strategy notes that it waits.
        var trace = WriteShiftingHotSpot("notes.csv", steps: 20);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await SimulateCommand.RunAsync(new SimulateSettings { Trace = trace, Nodes = 2, Warmup = 0, Strategies = ["predictive"] }, json: true, output, error, interactive: false, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero, error.ToString());
            Assert.That(error.ToString(), Does.Contain("predictive").And.Contain("forecaster not trained yet"));
            Assert.That(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), "stdout keeps exactly the JSON object");
        });
    }

    [Test]
    public async Task Simulate_WithJson_WhenTheCapacityIsTooSmallForAFiniteUtilisation_ExitsWithoutAStackTrace()
    {
        // 13 requests over a capacity of 1e-40 is a utilisation of 1.3e41, past what the float it is kept in holds: the p99
        // was infinite and System.Text.Json threw ArgumentException writing it, after the run, with a stack trace.
        var trace = WriteShiftingHotSpot("tiny-capacity.csv", steps: 20);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await SimulateCommand.RunAsync(new SimulateSettings { Trace = trace, NodeCapacity = 1e-40, Strategies = ["static"] }, json: true, output, error, interactive: false, null, CancellationToken.None);

        Assert.That(code, Is.Zero, error.ToString());
        using var document = JsonDocument.Parse(output.ToString());
        Assert.That(document.RootElement.GetProperty("strategies")[0].GetProperty("p99Utilization").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    /// <summary>16 keys in 4 blocks; every key 1 request per minute, plus 12 on the keys of one block, which changes every 10 minutes.</summary>
    [Test]
    public async Task Simulate_WhenThePlannersTimeLimitCutsPlansShort_SaysHowManyInBothModes_AndNothingWhenNoneIs()
    {
        var trace = WriteShiftingHotSpot("cut.csv", steps: 60);
        var settings = new SimulateSettings { Trace = trace, Nodes = 4, Partitions = 4, Horizon = 4, Strategies = ["static", "oracle"] };

        var (jsonOut, jsonErr) = await RunInProcessAsync(settings, json: true, TimeSpan.FromSeconds(1));
        var (tableOut, _) = await RunInProcessAsync(settings, json: false, TimeSpan.FromSeconds(1));
        var (wholeOut, wholeErr) = await RunInProcessAsync(settings, json: true, TimeSpan.Zero);

        const string Note = "oracle plans stopped at the planner's time limit; its figures depend on this machine's speed and load";
        Assert.Multiple(() =>
        {
            Assert.That(jsonOut.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), "stdout keeps exactly the JSON object");
            Assert.That(jsonErr, Does.Match(@"simulate: note: [1-9]\d* of [1-9]\d* " + System.Text.RegularExpressions.Regex.Escape(Note)));
            Assert.That(tableOut, Does.Contain(Note));
            Assert.That(wholeErr + wholeOut, Does.Not.Contain("time limit"), "a clock that never moves never cuts a search short");
        });
    }

    /// <summary>Runs simulate in this process with a genetic planner whose clock moves <paramref name="clockStep"/> per read (2 s budget).</summary>
    private static async Task<(string Output, string Error)> RunInProcessAsync(SimulateSettings settings, bool json, TimeSpan clockStep)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await SimulateCommand.RunAsync(
            settings,
            json,
            output,
            error,
            interactive: false,
            options => new TraceSimulator(options)
            {
                PlannerFactory = c => new GeneticShardPlanner(new GeneticPlannerOptions { Seed = c.Seed, DegreeOfParallelism = 1, MaxGenerations = 1000, StagnationLimit = 1000, TimeBudget = TimeSpan.FromSeconds(2) }, new SteppingTimeProvider(clockStep)),
            },
            CancellationToken.None);
        Assert.That(code, Is.Zero, error.ToString());
        return (output.ToString(), error.ToString());
    }

    private string WriteShiftingHotSpot(string name, int steps)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var csv = new StringBuilder("timestamp,key,count\n");
        for (var s = 0; s < steps; s++)
        {
            for (var k = 0; k < 16; k++)
            {
                var count = 1 + (k / 4 == s / 10 % 4 ? 12 : 0);
                csv.Append(CultureInfo.InvariantCulture, $"{start.AddMinutes(s):yyyy-MM-ddTHH:mm:ssZ},key{k:D2},{count}\n");
            }
        }

        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, csv.ToString());
        return path;
    }

    [Test]
    public async Task Simulate_OnTheShippedPerMinuteTraceWithATenStepBurstLevel_StopsMovingForInsuranceItNeverUses()
    {
        // The shipped Azure trace with one key per function (what --trace gives): one function is hotter than any node, the
        // rest is calm. With the bound grown from each minute's count the planner moved partitions at almost every step
        // (615 moves in 336 measured minutes when measured); from the ten-minute median it moves a few.
        var trace = Path.Combine(PlanTestFiles.SamplesDirectory, "..", "traces", "azure_functions_minute.csv");
        // Without the byte budget, which would cap both runs alike and hide the difference this test is about.
        string[] common = ["simulate", "--trace", trace, "--strategies", "predictive", "--json", "--reactive-byte-budget", "0"];

        var fromLast = await RunAsync(common);
        var fromLevel = await RunAsync([.. common, "--burst-level-steps", "10"]);

        Assert.That(fromLast.ExitCode, Is.Zero, fromLast.Stderr);
        Assert.That(fromLevel.ExitCode, Is.Zero, fromLevel.Stderr);
        var last = Strategies(fromLast.Stdout)[0];
        var level = Strategies(fromLevel.Stdout)[0];
        Assert.Multiple(() =>
        {
            Assert.That(level.GetProperty("moves").GetInt64() * 4, Is.LessThan(last.GetProperty("moves").GetInt64()), "a quarter of the moves or fewer");
            Assert.That(level.GetProperty("overloadNodeMinutes").GetDouble(), Is.LessThanOrEqualTo(last.GetProperty("overloadNodeMinutes").GetDouble() + 5), "about the same overload: what was given up was insurance");
            Assert.That(level.GetProperty("setting").GetString(), Does.Contain("burst level: median of 10 steps"));
        });
    }

    [Test]
    public async Task Simulate_OnTheShippedPerMinuteTrace_KeepsPredictivesBytesWithinReactiveAtTheQpsThresholdPlusOneRoundOfMoveSlots()
    {
        // One key per function: every strategy overloads alike (one function is hotter than a node) and reactive makes a
        // few moves, while predictive's burst insurance moved 12 × its bytes (README's fan-out-1 table). The default
        // budget holds it to the bytes of reactive at the published QPS threshold (0.03 × capacity, one step) plus 4 moves
        // of the initial average partition (500 keys of 1 MiB in 32 partitions). On this trace that setting is also the
        // grid's best, so the reactive column is the budget's shadow. Without measured splits, so that what the budget
        // holds back is the planner's own burst insurance (with them the pieces are small and the insurance cheaper), and
        // with the session-37 planner (no overflow spread weight, growth from the partitions alone), on which these
        // figures were measured: session 39's defaults insure less here (2.8 × the capped bytes without the budget, not
        // over 3 ×) and end one node-minute over reactive on this configuration (337 against 336; with measured splits,
        // the default, 336). Session 51's moved-set rebuild spends more of the capped budget: 2.69 × when measured, so
        // the test asks for over 2 ×.
        var trace = Path.Combine(PlanTestFiles.SamplesDirectory, "..", "traces", "azure_functions_minute.csv");
        string[] common = ["simulate", "--trace", trace, "--strategies", "reactive,predictive", "--measured-split-share", "0", "--overflow-spread-weight", "0", "--no-initial-range-growth", "--json"];

        var (free, capped) = await StrategiesWithAndWithoutAsync(common, "--reactive-byte-budget=0");
        var allowance = 4 * (500.0 / 32) * (1 << 20);
        var reactiveBytes = capped[0].GetProperty("bytesMoved").GetInt64();
        Assert.Multiple(() =>
        {
            Assert.That(capped[0].GetProperty("setting").GetString(), Is.EqualTo("split threshold 0.03 × node capacity, 1 consecutive step"), "premise: the best reactive is the budget's shadow");
            Assert.That(capped[1].GetProperty("bytesMoved").GetInt64(), Is.LessThanOrEqualTo(Math.Min(reactiveBytes + allowance, Math.Max(2 * reactiveBytes, allowance))));
            Assert.That(free[1].GetProperty("bytesMoved").GetInt64(), Is.GreaterThan(2 * capped[1].GetProperty("bytesMoved").GetInt64()), "without the budget the insurance moves several times as much");
            Assert.That(capped[1].GetProperty("overloadNodeMinutes").GetDouble(), Is.LessThanOrEqualTo(capped[0].GetProperty("overloadNodeMinutes").GetDouble()), "and overloads no more than reactive");
            Assert.That(capped[1].GetProperty("setting").GetString(), Does.EndWith(", bytes within 1 × what reactive at 0.03 moves + 4 partitions, never past the larger of 2 × and 4 partitions"));
        });
    }

    [Test]
    public async Task Simulate_OnTheShippedPerMinuteTraceWithoutSingleKeyBounds_TradesFewerKeysBetweenNodes()
    {
        // The same trace: with every hot unit one function, the pieces the planner splits off are single keys, whose burst
        // bound travels with them; left at the forecaster's own q0.99 they stop being traded between nodes (615 moves → 121
        // when measured) at the same overload. Compared with every single key bounded (--single-key-correlation -1).
        var trace = Path.Combine(PlanTestFiles.SamplesDirectory, "..", "traces", "azure_functions_minute.csv");
        // Without the byte budget, which would cap both runs alike and hide the difference this test is about.
        string[] common = ["simulate", "--trace", trace, "--strategies", "predictive", "--json", "--single-key-correlation=-1", "--reactive-byte-budget", "0"];

        var (unbounded, bounded) = await StrategiesWithAndWithoutAsync(common, "--no-single-key-burst-bound");
        var all = bounded[0];
        var multiKey = unbounded[0];
        Assert.Multiple(() =>
        {
            Assert.That(multiKey.GetProperty("moves").GetInt64() * 3, Is.LessThan(all.GetProperty("moves").GetInt64()), "a third of the moves or fewer");
            Assert.That(multiKey.GetProperty("overloadNodeMinutes").GetDouble(), Is.LessThanOrEqualTo(all.GetProperty("overloadNodeMinutes").GetDouble() + 5), "about the same overload");
            Assert.That(multiKey.GetProperty("setting").GetString(), Does.Contain("single keys unbounded"));
            Assert.That(all.GetProperty("setting").GetString(), Does.Not.Contain("single keys unbounded"));
        });
    }

    [Test]
    public async Task Simulate_OnTheShippedPerMinuteTrace_BoundsOnlySingleKeysThatMoveWithANeighbour()
    {
        // At one key per function, neighbouring keys are different functions that rise and fall on their own, so by default
        // (--single-key-correlation 0.9) most one-key pieces lose the burst bound that -1 gives every one of them: fewer
        // keys traded between nodes (615 moves → 205 when measured) at about the same overload.
        var trace = Path.Combine(PlanTestFiles.SamplesDirectory, "..", "traces", "azure_functions_minute.csv");
        // Without the byte budget, which would cap both runs alike and hide the difference this test is about.
        string[] common = ["simulate", "--trace", trace, "--strategies", "predictive", "--json", "--reactive-byte-budget", "0"];

        var (every, byDefault) = await StrategiesWithAndWithoutAsync(common, "--single-key-correlation=-1");
        Assert.Multiple(() =>
        {
            Assert.That(byDefault[0].GetProperty("moves").GetInt64() * 2, Is.LessThan(every[0].GetProperty("moves").GetInt64()), "half the moves or fewer");
            Assert.That(byDefault[0].GetProperty("overloadNodeMinutes").GetDouble(), Is.LessThanOrEqualTo(every[0].GetProperty("overloadNodeMinutes").GetDouble() + 5), "about the same overload");
            Assert.That(byDefault[0].GetProperty("setting").GetString(), Does.Contain("single keys bounded when moving with a neighbour, r ≥ 0.9"));
            Assert.That(every[0].GetProperty("setting").GetString(), Does.Not.Contain("single keys"));
        });
    }

    private static double BytesRatio(string stdout)
    {
        var match = System.Text.RegularExpressions.Regex.Match(stdout, @"predictive moved ([0-9.]+) × the bytes of the best reactive \(target ≤ 2\)");
        Assert.That(match.Success, Is.True, stdout);
        return double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Test]
    public void InsuranceHint_SuggestsOnlyTheSettingsNotInUse_AndOnlyPastTwiceTheBytesWithoutLessOverload()
    {
        var all = SimulateTable.InsuranceHint(300, 10, 100, 10, suggestByteBudget: true, suggestBurstLevel: true, suggestSingleKeys: true);
        var levelInUse = SimulateTable.InsuranceHint(300, 10, 100, 10, suggestByteBudget: true, suggestBurstLevel: false, suggestSingleKeys: true);

        Assert.Multiple(() =>
        {
            Assert.That(all, Does.StartWith("hint: predictive moved more than twice reactive's bytes").And.Contain("--reactive-byte-budget 1").And.Contain("--burst-level-steps 10").And.Contain("--no-single-key-burst-bound").And.Contain("--move-cost"));
            Assert.That(levelInUse, Does.Not.Contain("--burst-level-steps 10 grows").And.Contain("--move-cost"), "a setting already in use is not suggested again");
            Assert.That(SimulateTable.InsuranceHint(200, 10, 100, 10, true, true, true), Is.Null, "exactly twice the bytes is within the target");
            Assert.That(SimulateTable.InsuranceHint(300, 9, 100, 10, true, true, true), Is.Null, "the bytes bought less overload");
            Assert.That(SimulateTable.InsuranceHint(300, 10, 0, 10, true, true, true), Is.Null, "reactive moved nothing: no ratio");
        });
    }

    [Test]
    public async Task Simulate_WhenPredictiveBuysInsuranceTheTraceNeverUses_SaysWhichSettingsTradeItAway()
    {
        // The shipped per-minute Azure trace at one key per function: predictive moves far more than reactive (README's
        // fan-out-1 table) at the same overload, and the table says what to try.
        var trace = Path.Combine(PlanTestFiles.SamplesDirectory, "..", "traces", "azure_functions_minute.csv");

        // Without the byte budget (--reactive-byte-budget 0), which by default keeps predictive's bytes near reactive's.
        var (exitCode, stdout, stderr) = await RunAsync("simulate", "--trace", trace, "--strategies", "reactive,predictive", "--reactive-byte-budget", "0");
        var withLevel = await RunAsync("simulate", "--trace", trace, "--strategies", "reactive,predictive", "--burst-level-steps", "10", "--reactive-byte-budget", "0");
        var withBudget = await RunAsync("simulate", "--trace", trace, "--strategies", "reactive,predictive");

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(withLevel.ExitCode, Is.Zero, withLevel.Stderr);
        Assert.That(withBudget.ExitCode, Is.Zero, withBudget.Stderr);
        Assert.Multiple(() =>
        {
            Assert.That(stdout, Does.Contain("hint: predictive moved more than twice reactive's bytes").And.Contain("--reactive-byte-budget 1").And.Contain("--burst-level-steps 10").And.Contain("--no-single-key-burst-bound"));
            // Growing the bound from a ten-step median trades the insurance away: 0.66 × reactive's bytes when measured.
            Assert.That(withLevel.Stdout, Does.Not.Contain("hint: predictive moved more than twice"), "within the target with the median level, no hint");
            Assert.That(BytesRatio(withLevel.Stdout), Is.LessThan(1));
            // With the default budget predictive stays within twice reactive's bytes (1.41 × when measured) at reactive's and
            // the oracle's 336 overloaded node-minutes, so there is no hint either.
            Assert.That(withBudget.Stdout, Does.Not.Contain("hint: predictive moved more than twice"), "within the target, no hint");
            Assert.That(BytesRatio(withBudget.Stdout), Is.GreaterThan(1).And.LessThanOrEqualTo(2));
            Assert.That(BytesRatio(stdout), Is.GreaterThan(2), "without the budget, past the target");
        });
    }

    [Test]
    public async Task Simulate_WithAPerMoveCost_MovesFarLessForNoMoreOverload()
    {
        // The embedded trace at 5-minute steps: the planner trades small pieces between nodes for gains within the
        // forecast's noise (123 moves when measured). Charging each move 0.01 of a threshold keeps only the moves worth
        // that (35), and the overloaded node-minutes stay at 15. Without measured splits: with them the pieces the planner
        // trades are fewer and the per-move cost has less to cut.
        string[] common = ["simulate", "--step-seconds", "300", "--strategies", "predictive", "--measured-split-share", "0", "--json"];

        var free = await StrategiesOfAsync(common);
        var charged = await StrategiesOfAsync([.. common, "--per-move-cost", "0.01"]);

        Assert.Multiple(() =>
        {
            Assert.That(charged[0].GetProperty("moves").GetInt32(), Is.LessThan(free[0].GetProperty("moves").GetInt32() / 2));
            Assert.That(charged[0].GetProperty("overloadNodeMinutes").GetDouble(), Is.LessThanOrEqualTo(free[0].GetProperty("overloadNodeMinutes").GetDouble()));
            Assert.That(charged[0].GetProperty("setting").GetString(), Does.Contain(", per-move cost 0.01,"));
        });
    }

    // Daily Wikipedia at one key per article: single articles hotter than a node make 27,360 of the best reactive's 30,240
    // overloaded node-minutes unavoidable, and the oracle reaches 28,800, 4.8% below reactive. Per-minute Azure at one key
    // per function: one function hotter than a node makes 336 unavoidable, and the best reactive and the oracle reach
    // exactly that.
    [TestCase("wikipedia_daily.csv", "reactive and oracle are already close (oracle 28800 against reactive's 30240 overloaded node-minutes, 4.8 % apart; 27360 no strategy can avoid): this trace gives prediction little to win")]
    [TestCase("azure_functions_minute.csv", "the best reactive (336) is already at or below oracle (336) overloaded node-minutes: this trace gives prediction little to win")]
    public async Task Simulate_WhenReactiveIsAtOrCloseToTheOracle_SaysTheTraceGivesPredictionLittleToWin(string file, string note)
    {
        var trace = Path.Combine(PlanTestFiles.SamplesDirectory, "..", "traces", file);

        var (exitCode, stdout, stderr) = await RunAsync("simulate", "--trace", trace, "--strategies", "reactive,predictive,oracle");

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain(note));
    }

    [Test]
    public async Task Simulate_WithThePlannedMoveOverhead_TheCopysCostReachesThePlanAndItMovesFewerBytes()
    {
        // The embedded trace at eight keys per function, where predictive moved 2.07 × reactive's bytes when measured: told
        // that a copy adds a quarter of the moving partition's load to both ends, the planner moves fewer bytes (923 → 748
        // moves, 2.07 → 1.76 × reactive's bytes when measured). Since session 51's moved-set rebuild it spends the bytes
        // it saves on more, smaller moves (2,209,349,632 → 2,130,706,432 bytes, 1,122 → 1,173 moves when measured): the
        // overhead is a share of the moving partition's load, which smaller partitions carry less of, not a cost per move.
        string[] common = ["simulate", "--key-fanout", "8", "--strategies", "predictive", "--json"];

        var (withOverhead, withBytesOnly) = await StrategiesWithAndWithoutAsync(common, "--planned-move-overhead");
        Assert.Multiple(() =>
        {
            Assert.That(withOverhead[0].GetProperty("bytesMoved").GetInt64(), Is.LessThan(withBytesOnly[0].GetProperty("bytesMoved").GetInt64()));
            Assert.That(withOverhead[0].GetProperty("setting").GetString(), Does.Contain("move overhead 0.25 planned for"));
            Assert.That(withBytesOnly[0].GetProperty("setting").GetString(), Does.Not.Contain("move overhead"));
        });
    }

    /// <summary>Runs <paramref name="common"/> with <paramref name="flag"/> added and without it; both must succeed. Returns each run's strategies.</summary>
    private static async Task<(JsonElement[] WithFlag, JsonElement[] WithoutFlag)> StrategiesWithAndWithoutAsync(string[] common, string flag)
    {
        var withFlag = await RunAsync([.. common, flag]);
        var withoutFlag = await RunAsync(common);
        Assert.That(withFlag.ExitCode, Is.Zero, withFlag.Stderr);
        Assert.That(withoutFlag.ExitCode, Is.Zero, withoutFlag.Stderr);
        return (Strategies(withFlag.Stdout), Strategies(withoutFlag.Stdout));
    }

    /// <summary>Runs the CLI, asserts it succeeded, and returns the strategies of its JSON output.</summary>
    private static async Task<JsonElement[]> StrategiesOfAsync(params string[] args)
    {
        var (exitCode, stdout, stderr) = await RunAsync(args);
        Assert.That(exitCode, Is.Zero, stderr);
        return Strategies(stdout);
    }

    private static JsonElement[] Strategies(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("strategies").EnumerateArray().Select(s => s.Clone()).ToArray();
    }
}
