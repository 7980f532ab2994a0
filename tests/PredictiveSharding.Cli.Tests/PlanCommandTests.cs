using System.CommandLine;
using PredictiveSharding.Cli.Commands;
using PredictiveSharding.Cli.Formats;

namespace PredictiveSharding.Cli.Tests;

/// <summary><c>psharding plan</c> in process: the sample files, both planners, and bad input (exit code 2).</summary>
[TestFixture]
public sealed class PlanCommandTests
{
    private string _scratch = string.Empty;

    [SetUp]
    public void CreateScratch() => _scratch = PlanTestFiles.NewScratchDirectory();

    [TearDown]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    [Test]
    public async Task RunAsync_OnSampleFiles_WritesAFeasiblePlanThatLowersThePeakBySplittingTheHotPartition()
    {
        var (code, plan, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, Seed = 42 });

        Assert.That(code, Is.Zero, error);
        Assert.That(plan!.Feasible, Is.True);
        Assert.That(plan.After!.MaxUtilization, Is.LessThan(plan.Before!.MaxUtilization));
        Assert.That(plan.Before.Node, Is.EqualTo("n2"), "the sample's overloaded node");
        Assert.That(plan.After.MaxUtilization, Is.LessThanOrEqualTo(0.8), "every node under the default threshold");
        Assert.That(plan.MovedBytes, Is.LessThanOrEqualTo(10L * 1024 * 1024 * 1024));
        var split = plan.Actions.Single(a => a.Type == "split");
        Assert.That(split.Partition, Is.EqualTo("p05"));
        Assert.That(split.NewPartitions, Has.Count.EqualTo(split.SplitKeys!.Count + 1));
        Assert.That(plan.Actions.Where(a => a.Type == "move"), Is.All.Matches<PlanActionDocument>(a => a.Bytes > 0 && a.StartBy is not null && !string.IsNullOrEmpty(a.Reason)));
    }

    [Test]
    public async Task RunAsync_WithAPerMoveCostOnSampleFiles_KeepsOnlyTheMovesWorthIt()
    {
        // samples/plan/README.md: 4 moves by default; at 0.05 per move the plan keeps 2, still under the threshold.
        var sample = new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, Seed = 42 };

        var (_, free, _) = await RunAsync(sample);
        var (code, charged, error) = await RunAsync(sample with { PerMoveCost = 0.05 });

        Assert.That(code, Is.Zero, error);
        Assert.Multiple(() =>
        {
            Assert.That(free!.Actions.Count(a => a.Type == "move"), Is.EqualTo(4));
            Assert.That(charged!.Actions.Count(a => a.Type == "move"), Is.EqualTo(2));
            Assert.That(charged.MovedBytes, Is.LessThan(free.MovedBytes));
            Assert.That(charged.After!.MaxUtilization, Is.LessThanOrEqualTo(0.8), "every node still under the default threshold");
        });
    }

    [Test]
    public async Task RunAsync_WithCpSatOnSampleFiles_PlacesWithoutSplittingAndSaysTheHotPartitionMustBeSplit()
    {
        var (code, plan, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, Planner = "cpsat", TimeBudgetMs = 10_000 });

        Assert.That(code, Is.Zero, error);
        Assert.That(plan!.Actions, Is.All.Matches<PlanActionDocument>(a => a.Type == "move"));
        Assert.That(plan.After!.MaxUtilization, Is.LessThan(plan.Before!.MaxUtilization));
        Assert.That(plan.Feasible, Is.False, "p05 alone needs more than a node's allowance");
        Assert.That(plan.Shortfall, Is.GreaterThan(0));
        Assert.That(plan.Warnings, Has.Some.StartsWith("CP-SAT "));
        Assert.That(plan.Warnings, Has.Some.Contains("Partition p05 alone"));
    }

    [Test]
    public async Task Invoke_ThroughTheCommandLine_WritesPlanJsonToOut()
    {
        var output = Path.Combine(_scratch, "plan.json");
        var code = await InvokeAsync("--time-budget-ms", "2000", "--seed", "3", "--out", output);

        Assert.That(code, Is.Zero);
        await using var stream = File.OpenRead(output);
        var plan = PlanJson.Read(stream, output);
        Assert.That(plan.After!.MaxUtilization, Is.LessThan(plan.Before!.MaxUtilization));
    }

    [Test]
    public async Task RunAsync_WhenClusterHasABadValue_ExitsWithTwoNamingFilePathAndValue()
    {
        var cluster = Path.Combine(_scratch, "cluster.json");
        var text = await File.ReadAllTextAsync(PlanTestFiles.SampleCluster);
        await File.WriteAllTextAsync(cluster, text.Replace("\"sizeBytes\": 2100000000", "\"sizeBytes\": -5", StringComparison.Ordinal));

        var (code, plan, error) = await RunAsync(new PlanSettings { Cluster = cluster, Forecast = PlanTestFiles.SampleForecast });

        Assert.That(code, Is.EqualTo(2));
        Assert.That(plan, Is.Null);
        Assert.That(error, Does.Contain(cluster).And.Contain("$.partitions[1].sizeBytes").And.Contain("-5"));
    }

    [Test]
    public async Task RunAsync_WhenForecastNamesAnUnknownPartition_ExitsWithTwoNamingIt()
    {
        var forecast = Path.Combine(_scratch, "forecast.json");
        var text = await File.ReadAllTextAsync(PlanTestFiles.SampleForecast);
        await File.WriteAllTextAsync(forecast, text.Replace("\"p12\"", "\"p99\"", StringComparison.Ordinal));

        var (code, _, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = forecast });

        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain(forecast).And.Contain("$.partitions.p99").And.Contain("not in"));
    }

    [Test]
    public async Task RunAsync_WithALowerThreshold_MovesAtLeastAsMuchAndStartsEarlier()
    {
        var baseline = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast });
        var (code, plan, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, Threshold = 0.6 });

        Assert.That(code, Is.Zero, error);
        Assert.That(baseline.Code, Is.Zero, baseline.Error);
        Assert.That(plan!.MovedBytes, Is.GreaterThanOrEqualTo(baseline.Plan!.MovedBytes));
        Assert.That(FirstStartBy(plan), Is.LessThan(FirstStartBy(baseline.Plan)), "at 0.6 the hot node crosses its threshold a step earlier");
        Assert.That(plan.Actions.Where(a => a.Type == "move").Select(a => a.Reason), Has.Some.Contains("threshold 0.60"));
    }

    [Test]
    public async Task RunAsync_WithAHigherMoveCost_MovesFewerBytes()
    {
        var baseline = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast });
        var (code, plan, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, MoveCost = 5 });

        Assert.That(code, Is.Zero, error);
        Assert.That(plan!.MovedBytes, Is.LessThan(baseline.Plan!.MovedBytes));
        Assert.That(plan.After!.MaxUtilization, Is.LessThan(plan.Before!.MaxUtilization), "still relieves the hot node");
    }

    [Test]
    public async Task RunAsync_WithAMoveBandwidth_TimesEveryMoveByIt()
    {
        var (code, plan, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, MoveBandwidth = 1_000_000 });

        Assert.That(code, Is.Zero, error);
        var moves = plan!.Actions.Where(a => a.Type == "move").ToList();
        Assert.That(moves, Is.Not.Empty);
        Assert.That(moves, Is.All.Matches<PlanActionDocument>(a => Math.Abs(a.DurationSeconds!.Value - (a.Bytes!.Value / 1_000_000.0)) < 1e-6));
    }

    [Test]
    public void GeneticOptions_TakesTheWeightsGivenAndTheDefaultsOtherwise()
    {
        var given = PlanCommand.GeneticOptions(new PlanSettings { MoveCost = 0.5, BreachSumWeight = 3, IsolationWeight = 2, PerMoveCost = 0.01, MoveOverhead = 0.25, Seed = 7 }, TimeSpan.FromSeconds(3));
        var defaults = new Planning.GeneticPlannerOptions();
        var left = PlanCommand.GeneticOptions(new PlanSettings(), TimeSpan.FromSeconds(3));

        Assert.That((given.MoveCostWeight, given.BreachSumWeight, given.IsolationWeight, given.PerMoveCost, given.MoveOverheadShare, given.Seed, given.TimeBudget), Is.EqualTo((0.5, 3.0, 2.0, 0.01, 0.25, 7, TimeSpan.FromSeconds(3))));
        Assert.That((left.MoveCostWeight, left.BreachSumWeight, left.IsolationWeight, left.PerMoveCost, left.MoveOverheadShare), Is.EqualTo((defaults.MoveCostWeight, defaults.BreachSumWeight, defaults.IsolationWeight, defaults.PerMoveCost, defaults.MoveOverheadShare)));
    }

    [Test]
    public async Task Invoke_WithTheNewOptionsThroughTheCommandLine_PlansWithThem()
    {
        var output = Path.Combine(_scratch, "plan.json");
        var code = await InvokeAsync("--time-budget-ms", "2000", "--threshold", "0.7", "--move-bandwidth", "2000000", "--move-cost", "0.1", "--breach-sum-weight", "1", "--isolation-weight", "2", "--move-overhead", "0.25", "--out", output);

        Assert.That(code, Is.Zero);
        await using var stream = File.OpenRead(output);
        var plan = PlanJson.Read(stream, output);
        var moves = plan.Actions.Where(a => a.Type == "move").ToList();
        Assert.That(moves, Is.Not.Empty);
        Assert.That(moves, Is.All.Matches<PlanActionDocument>(a => Math.Abs(a.DurationSeconds!.Value - (a.Bytes!.Value / 2_000_000.0)) < 1e-6));
        Assert.That(moves.Select(a => a.Reason), Has.Some.Contains("threshold 0.70"));
    }

    [TestCase("--move-cost")]
    [TestCase("--breach-sum-weight")]
    [TestCase("--isolation-weight")]
    [TestCase("--per-move-cost")]
    [TestCase("--move-overhead")]
    public async Task RunAsync_WithCpSatAndAGeneticOnlyWeight_ExitsWithTwoNamingIt(string option)
    {
        var settings = new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, Planner = "cpsat" };
        settings = option switch
        {
            "--move-cost" => settings with { MoveCost = 1 },
            "--breach-sum-weight" => settings with { BreachSumWeight = 1 },
            "--isolation-weight" => settings with { IsolationWeight = 1 },
            "--per-move-cost" => settings with { PerMoveCost = 0.01 },
            _ => settings with { MoveOverhead = 0.5 },
        };

        var (code, plan, error) = await RunAsync(settings);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(plan, Is.Null);
        Assert.That(error, Does.Contain(option).And.Contain("genetic planner only"));
    }

    [TestCase("--threshold", 1.5)]
    [TestCase("--threshold", 0.0)]
    [TestCase("--move-bandwidth", 0.0)]
    [TestCase("--move-bandwidth", double.PositiveInfinity)]
    [TestCase("--move-cost", -1.0)]
    [TestCase("--breach-sum-weight", double.NaN)]
    [TestCase("--isolation-weight", -1.0)]
    [TestCase("--per-move-cost", -0.5)]
    [TestCase("--move-overhead", 1.5)]
    public async Task RunAsync_WhenAPlannerSettingIsOutOfRange_ExitsWithTwoNamingItAndTheValue(string option, double value)
    {
        var settings = new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast };
        settings = option switch
        {
            "--threshold" => settings with { Threshold = value },
            "--move-bandwidth" => settings with { MoveBandwidth = value },
            "--move-cost" => settings with { MoveCost = value },
            "--breach-sum-weight" => settings with { BreachSumWeight = value },
            "--isolation-weight" => settings with { IsolationWeight = value },
            "--per-move-cost" => settings with { PerMoveCost = value },
            _ => settings with { MoveOverhead = value },
        };

        var (code, plan, error) = await RunAsync(settings);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(plan, Is.Null);
        Assert.That(error, Does.Contain(option).And.Contain(value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [TestCase(1.5, null, "--quantile")]
    [TestCase(0.9, -1L, "--move-budget-bytes")]
    public async Task RunAsync_WhenAnOptionIsOutOfRange_ExitsWithTwoNamingIt(double quantile, long? budget, string option)
    {
        var (code, _, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, Quantile = quantile, MoveBudgetBytes = budget });

        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain(option));
        Assert.That(error.Trim(), Does.Not.Contain("\n").And.Not.Contain("Actual value").And.Not.Contain("(Parameter"), "one line for a person, without the developer's decorations");
    }

    [Test]
    public async Task RunAsync_WhenAFileIsMissing_ExitsWithTwoNamingIt()
    {
        var missing = Path.Combine(_scratch, "nope.json");

        var (code, _, error) = await RunAsync(new PlanSettings { Cluster = missing, Forecast = PlanTestFiles.SampleForecast });

        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain(missing).And.Contain("cannot be read"));
    }

    [Test]
    public async Task RunAsync_WhenAnInputIsAFolder_ExitsWithTwoSayingItIsAFolder()
    {
        // "Access to the path is denied" sent the user after permissions, for a path that names a folder.
        var (code, _, error) = await RunAsync(new PlanSettings { Cluster = _scratch, Forecast = PlanTestFiles.SampleForecast });

        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain(_scratch).And.Contain("is a folder"));
        Assert.That(error, Does.Not.Contain("denied"));
    }

    [Test]
    public async Task RunAsync_WhenOutIsAFolder_ExitsWithTwoSayingItIsAFolder()
    {
        var (code, _, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, Out = _scratch });

        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--out").And.Contain("is a folder"));
        Assert.That(error, Does.Not.Contain("denied"));
    }

    [Test]
    public async Task RunAsync_WhenOutIsInAFolderThatDoesNotExist_ExitsWithTwoNamingTheFolderBeforeReadingTheFiles()
    {
        // It was found only when plan.json was written, after the whole search. The cluster file is missing too: the
        // message names --out's folder, not the cluster file, only if --out is checked before the files are read.
        var folder = Path.Combine(_scratch, "no-such-folder");
        var (code, plan, error) = await RunAsync(new PlanSettings { Cluster = Path.Combine(_scratch, "missing.json"), Forecast = PlanTestFiles.SampleForecast, Out = Path.Combine(folder, "plan.json") });

        Assert.That(code, Is.EqualTo(2));
        Assert.That(plan, Is.Null);
        Assert.That(error, Does.Contain("--out").And.Contain(folder).And.Contain("does not exist"));
        Assert.That(error, Does.Not.Contain("missing.json"));
    }

    [TestCase("genetic")]
    [TestCase("cpsat")]
    public async Task RunAsync_WhenTheLoadsOfANodeAddUpBeyondADouble_ExitsWithTwoNamingTheResource(string planner)
    {
        // Each value is finite, but the two partitions on n1 add up to infinity: the plan's predicted peak was infinite,
        // and writing it as JSON threw an unhandled ArgumentException after the search.
        var cluster = Path.Combine(_scratch, "cluster.json");
        var forecast = Path.Combine(_scratch, "forecast.json");
        await File.WriteAllTextAsync(cluster, """
            {"nodes":[{"id":"n1","capacity":{"requests":1000}},{"id":"n2","capacity":{"requests":1000}}],
             "partitions":[{"id":"p1","start":"","end":"k","node":"n1","sizeBytes":1000},
                           {"id":"p2","start":"k","node":"n1","sizeBytes":1000}]}
            """);
        await File.WriteAllTextAsync(forecast, """
            {"stepSeconds":60,"quantiles":[0.5,0.9],
             "partitions":{"p1":{"requests":[[1e308,1e308]]},"p2":{"requests":[[1e308,1e308]]}}}
            """);

        var (code, plan, error) = await RunAsync(new PlanSettings { Cluster = cluster, Forecast = forecast, Planner = planner });

        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(plan, Is.Null);
        Assert.That(error, Does.Contain("'requests'"));
    }

    [TestCase("")]
    [TestCase("plan\0.json")]
    public async Task RunAsync_WhenOutIsNotAPath_ExitsWithTwoNamingIt(string path)
    {
        // An empty --out, or one with a NUL, is no file name: File.Create throws an ArgumentException, which escaped as an
        // unhandled exception (System.CommandLine's stack trace and exit code 1) after the whole search had run.
        var (code, _, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, Out = path });

        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--out"));
    }

    [Test]
    public async Task RunAsync_WhenOutExists_ReplacesItWholeByRenamingNotByRewritingIt()
    {
        // Written in place, a full disk or a crash part-way left a cut-off plan.json where the last good one had been.
        // A reader holding the old file open sees it unchanged when the new one is renamed over it; written in place,
        // it saw the old file cut to nothing and the new plan written into it.
        var target = Path.Combine(_scratch, "plan.json");
        const string Previous = "{\"previous\": true}";
        await File.WriteAllTextAsync(target, Previous);
        await using var held = new FileStream(target, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        var (code, _, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, Out = target });

        Assert.That(code, Is.Zero, error);
        Assert.That(await File.ReadAllTextAsync(target), Does.Contain("\"actions\""));
        using var reader = new StreamReader(held);
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo(Previous), "the old file is replaced, not rewritten");
        Assert.That(Directory.GetFileSystemEntries(_scratch), Is.EqualTo(new[] { target }), "no temporary file left");
    }

    [Test]
    public async Task RunAsync_WhenOutIsALink_WritesItsTargetAndKeepsTheLink()
    {
        var target = Path.Combine(_scratch, "real-plan.json");
        await File.WriteAllTextAsync(target, "{}");
        var link = Path.Combine(_scratch, "plan.json");
        File.CreateSymbolicLink(link, target);

        var (code, _, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, Out = link });

        Assert.That(code, Is.Zero, error);
        Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(target), "still a link");
        await using var stream = File.OpenRead(target);
        Assert.That(PlanJson.Read(stream, target).Actions, Is.Not.Null);
    }

    [Test]
    public void IsSpecial_DevicesAndPipesAreSpecial_RegularFilesFoldersAndNewPathsAreNot()
    {
        // Renamed over, /dev/null would become a plain file (as root, for the whole machine).
        Assume.That(OperatingSystem.IsLinux(), "devices by these names are Linux's");
        var file = Path.Combine(_scratch, "regular.json");
        File.WriteAllText(file, "{}");

        Assert.Multiple(() =>
        {
            Assert.That(OutputFile.IsSpecial("/dev/null"), Is.True);
            Assert.That(OutputFile.IsSpecial(file), Is.False);
            Assert.That(OutputFile.IsSpecial(_scratch), Is.False);
            Assert.That(OutputFile.IsSpecial(Path.Combine(_scratch, "new.json")), Is.False);
        });
    }

    [Test]
    public async Task RunAsync_WhenOutIsDevNull_WritesThroughIt()
    {
        Assume.That(OperatingSystem.IsLinux() && OutputFile.IsSpecial("/dev/null"), "a device to write through");

        var (code, _, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, Out = "/dev/null" });

        Assert.That(code, Is.Zero, error);
        Assert.That(OutputFile.IsSpecial("/dev/null"), Is.True, "still the device");
    }

    [Test]
    public async Task Plan_WhenCancelled_ExitsWith130SayingSo_AndWritesNoPlan()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var code = await PlanCommand.RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast }, output, error, TimeProvider.System, cancelled.Token);

        CancelledRun.AssertReported(code, output, error);
    }

    /// <summary>Runs <c>psharding plan</c> on the sample files through the command line, with <paramref name="options"/>.</summary>
    private static Task<int> InvokeAsync(params string[] options)
    {
        var root = new RootCommand();
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }

        return root.Parse(["plan", "--cluster", PlanTestFiles.SampleCluster, "--forecast", PlanTestFiles.SampleForecast, .. options]).InvokeAsync();
    }

    private static DateTimeOffset FirstStartBy(PlanDocument plan) =>
        plan.Actions.Where(a => a.StartBy is not null).Min(a => a.StartBy!.Value);

    private static async Task<(int Code, PlanDocument? Plan, string Error)> RunAsync(PlanSettings settings)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await PlanCommand.RunAsync(settings with { TimeBudgetMs = Math.Min(settings.TimeBudgetMs, 10_000) }, output, error, TimeProvider.System, CancellationToken.None);
        var text = output.ToString();
        if (text.Length == 0)
        {
            return (code, null, error.ToString());
        }

        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        return (code, PlanJson.Read(stream, "stdout"), error.ToString());
    }
}
