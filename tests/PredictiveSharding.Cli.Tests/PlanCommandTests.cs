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
        var root = new RootCommand();
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }

        var code = await root.Parse(["plan", "--cluster", PlanTestFiles.SampleCluster, "--forecast", PlanTestFiles.SampleForecast, "--time-budget-ms", "2000", "--seed", "3", "--out", output]).InvokeAsync();

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

    [TestCase(1.5, null, "--quantile")]
    [TestCase(0.9, -1L, "--move-budget-bytes")]
    public async Task RunAsync_WhenAnOptionIsOutOfRange_ExitsWithTwoNamingIt(double quantile, long? budget, string option)
    {
        var (code, _, error) = await RunAsync(new PlanSettings { Cluster = PlanTestFiles.SampleCluster, Forecast = PlanTestFiles.SampleForecast, Quantile = quantile, MoveBudgetBytes = budget });

        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain(option));
    }

    [Test]
    public async Task RunAsync_WhenAFileIsMissing_ExitsWithTwoNamingIt()
    {
        var missing = Path.Combine(_scratch, "nope.json");

        var (code, _, error) = await RunAsync(new PlanSettings { Cluster = missing, Forecast = PlanTestFiles.SampleForecast });

        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain(missing).And.Contain("cannot be read"));
    }

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
