using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PredictiveSharding.Cli.Commands;

using static PredictiveSharding.Cli.Tests.CliProcess;

namespace PredictiveSharding.Cli.Tests;

/// <summary>
/// <c>psharding forecast-eval</c> end to end: the built tool runs as a child process on small synthetic CSV files. The
/// LSTM is left out of these runs to keep them short; its figures come from the evaluation on real traces.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ForecastEvalCommandTests : TempFolderFixture
{
    private static readonly string[] ModelFields = ["name", "mase", "wql", "coverage80", "trainSeconds", "forecastMillisPerSeries"];

    [Test]
    public async Task ForecastEval_WithJson_PrintsExactlyOneObjectWithOneEntryPerModel()
    {
        var input = WriteSeasonalCsv("seasonal.csv", steps: 240);

        var (exitCode, stdout, stderr) = await RunAsync("forecast-eval", "--input", input, "--season", "24", "--horizon", "24", "--models", "seasonal-naive,holt-winters,fasttree", "--json");

        Assert.That(exitCode, Is.Zero, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines, Has.Length.EqualTo(1), "stdout holds the JSON object and nothing else");
        using var document = JsonDocument.Parse(lines[0]);
        var root = document.RootElement;
        Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "models" }));
        var models = root.GetProperty("models").EnumerateArray().ToList();
        Assert.That(models.Select(m => m.GetProperty("name").GetString()), Is.EqualTo(new[] { "seasonal-naive", "holt-winters", "fasttree" }));
        foreach (var model in models)
        {
            Assert.That(model.EnumerateObject().Select(p => p.Name), Is.EqualTo(ModelFields));
            Assert.That(model.GetProperty("mase").GetDouble(), Is.Positive.And.LessThan(10));
            Assert.That(model.GetProperty("wql").GetDouble(), Is.Positive.And.LessThan(1));
            Assert.That(model.GetProperty("coverage80").GetDouble(), Is.InRange(0.0, 1.0));
            Assert.That(model.GetProperty("trainSeconds").GetDouble(), Is.GreaterThanOrEqualTo(0));
            Assert.That(model.GetProperty("forecastMillisPerSeries").GetDouble(), Is.GreaterThanOrEqualTo(0));
        }

        Assert.That(stderr, Does.Contain("2 series"), "progress goes to stderr");
    }

    [Test]
    public async Task ForecastEval_WithStepSeconds_AggregatesBeforeEvaluating()
    {
        // 240 hourly steps summed to 120 two-hour steps: first origin 120 − 24 = 96, origins 96 and 108 → 2 series × 2 × 12 points.
        var input = WriteSeasonalCsv("hourly.csv", steps: 240);

        var (exitCode, stdout, stderr) = await RunAsync("forecast-eval", "--input", input, "--season", "12", "--horizon", "12", "--step-seconds", "7200", "--models", "seasonal-naive");

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("model seasonal-naive").And.Contain("MASE"));
        Assert.That(stdout, Does.Match(@"forecast points\s+48"));
        Assert.That(stderr, Does.Contain("step 02:00:00"));
    }

    [Test]
    public void Read_WithAStep_SumsOnlyTheSamplesEachStepHas()
    {
        // Two samples of 10 a minute, at :00 and :20: the reader inferred a 20 s step, interpolated a third sample into
        // every :40 and summed 30 a minute.
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var text = new StringBuilder("timestamp,series,value\n");
        for (var minute = 0; minute < 30; minute++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{start.AddMinutes(minute):yyyy-MM-ddTHH:mm:ssZ},s,10\n");
            text.Append(CultureInfo.InvariantCulture, $"{start.AddMinutes(minute).AddSeconds(20):yyyy-MM-ddTHH:mm:ssZ},s,10\n");
        }

        var input = Path.Combine(Folder, "two-a-minute.csv");
        File.WriteAllText(input, text.ToString());

        var series = ForecastEvalInput.Read(input, TimeSpan.FromMinutes(1)).Single();

        Assert.That(series.Step, Is.EqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(series.Start, Is.EqualTo(start));
        Assert.That(series.RequestValues(), Is.EqualTo(Enumerable.Repeat(20.0, 30)));
    }

    [Test]
    public void Read_WithAStep_PutsJitteredSamplesInTheStepOfTheirOwnGridPoint()
    {
        // Per-minute samples of 1 scraped 30 ms early or late: 00:04:59.970 is the 00:05 sample. Placed by its raw time it
        // went to the step before, and steady load summed to five minutes read 6, 4, 6, 4, … (a regression of the first
        // fix, found by review).
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var text = new StringBuilder("timestamp,series,value\n");
        for (var minute = 0; minute < 30; minute++)
        {
            var at = start.AddMinutes(minute).AddMilliseconds(minute % 2 == 0 ? 30 : -30);
            text.Append(CultureInfo.InvariantCulture, $"{at:yyyy-MM-ddTHH:mm:ss.fffZ},s,1\n");
        }

        var input = Path.Combine(Folder, "jittered.csv");
        File.WriteAllText(input, text.ToString());

        var series = ForecastEvalInput.Read(input, TimeSpan.FromMinutes(5)).Single();

        Assert.That(series.Start, Is.EqualTo(start));
        Assert.That(series.RequestValues(), Is.EqualTo(Enumerable.Repeat(5.0, 6)));
    }

    [Test]
    public void Read_WithAStep_LeavesOutAFirstAndLastStepTheSamplesCoverOnlyInPart()
    {
        // Per-minute samples from 00:03 to 00:21 summed to 5 minutes: 00:00–00:05 lacks 00:00–00:02 and 00:20–00:25
        // lacks 00:22–00:24, so only the three whole steps from 00:05 remain (as resampling whole steps did before).
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var text = new StringBuilder("timestamp,series,value\n");
        for (var minute = 3; minute <= 21; minute++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{start.AddMinutes(minute):yyyy-MM-ddTHH:mm:ssZ},s,{minute}\n");
        }

        var input = Path.Combine(Folder, "partial-edges.csv");
        File.WriteAllText(input, text.ToString());

        var series = ForecastEvalInput.Read(input, TimeSpan.FromMinutes(5)).Single();

        Assert.That(series.Start, Is.EqualTo(start.AddMinutes(5)));
        Assert.That(series.RequestValues(), Is.EqualTo(new double[] { 5 + 6 + 7 + 8 + 9, 10 + 11 + 12 + 13 + 14, 15 + 16 + 17 + 18 + 19 }));
    }

    [Test]
    public async Task ForecastEval_WithStepSeconds_EvaluatesAPerMinuteSeriesWithOneExtraSample()
    {
        // One extra sample put two in one inferred minute, and the reader refused the file even with --step-seconds 60.
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var text = new StringBuilder("timestamp,series,value\n");
        for (var minute = 0; minute < 240; minute++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{start.AddMinutes(minute):yyyy-MM-ddTHH:mm:ssZ},s,{10 + (minute % 24)}\n");
            if (minute == 100)
            {
                text.Append(CultureInfo.InvariantCulture, $"{start.AddMinutes(minute).AddSeconds(30):yyyy-MM-ddTHH:mm:ssZ},s,5\n");
            }
        }

        var input = Path.Combine(Folder, "extra-sample.csv");
        await File.WriteAllTextAsync(input, text.ToString());

        var (exitCode, stdout, stderr) = await RunAsync("forecast-eval", "--input", input, "--season", "24", "--horizon", "24", "--step-seconds", "60", "--models", "seasonal-naive");

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stderr, Does.Contain("1 series, step 00:01:00, 240–240 steps"));
        Assert.That(stdout, Does.Contain("model seasonal-naive"));
    }

    [TestCase("\n")]
    [TestCase("\r\n\r\n")]
    public void Read_AKeyTraceAfterBlankLines_IsReadAsAKeyTrace(string blankLines)
    {
        // The CSV reader skips blank lines before the header; the check for a key trace read the first line as the header,
        // took the file for a series file and refused it ("no 'series' column in header 'timestamp,key,count'").
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var text = new StringBuilder(blankLines + "timestamp,key,count\n");
        for (var t = 0; t < 48; t++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{start.AddHours(t):yyyy-MM-ddTHH:mm:ssZ},a,{10 + t}\n");
            if (t % 2 == 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{start.AddHours(t):yyyy-MM-ddTHH:mm:ssZ},b,5\n");
            }
        }

        var input = Path.Combine(Folder, string.Create(CultureInfo.InvariantCulture, $"blank-first-{blankLines.Length}.csv"));
        File.WriteAllText(input, text.ToString());

        var series = ForecastEvalInput.Read(input, null);

        Assert.That(series.Select(s => s.Partition.Value), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(series[1].RequestValues().Take(4), Is.EqualTo(new[] { 5.0, 0, 5, 0 }), "a key trace's missing rows are zero requests");
    }

    [Test]
    public async Task ForecastEval_KeyTrace_ReadsOneSeriesPerKeyWithMissingRowsAsZero()
    {
        // A key trace omits zero rows: key "b" appears only on even hours, yet both keys span the whole 240-hour grid.
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var text = new StringBuilder("timestamp,key,count\n");
        for (var t = 0; t < 240; t++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{start.AddHours(t):yyyy-MM-ddTHH:mm:ssZ},a,{10 + (t % 24)}\n");
            if (t % 2 == 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{start.AddHours(t):yyyy-MM-ddTHH:mm:ssZ},b,{5 + (t % 7)}\n");
            }
        }

        var input = Path.Combine(Folder, "keys.csv");
        await File.WriteAllTextAsync(input, text.ToString());

        var (exitCode, stdout, stderr) = await RunAsync("forecast-eval", "--input", input, "--season", "24", "--horizon", "24", "--models", "seasonal-naive");

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stderr, Does.Contain("2 series").And.Contain("240–240 steps"));
        Assert.That(stdout, Does.Match(@"forecast points\s+96"));
    }

    [TestCase("--season", "0")]
    [TestCase("--horizon", "0")]
    [TestCase("--holdout-fraction", "1.5")]
    [TestCase("--step-seconds", "0")]
    [TestCase("--models", "seasonal-naive,prophet")]
    [TestCase("--season", "abc")]
    [TestCase("--holdout-fraction", "lots")]
    public async Task ForecastEval_WithAnOutOfRangeOption_ExitsWithTwoNamingIt(string option, string value)
    {
        var input = WriteSeasonalCsv("valid.csv", steps: 240);
        var args = new List<string> { "forecast-eval", "--input", input, "--season", "24", "--horizon", "24", "--models", "seasonal-naive", "--json" };
        var at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (exitCode, stdout, stderr) = await RunAsync([.. args]);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain(option));
        Assert.That(stdout.Trim(), Is.Empty);
    }

    [Test]
    public async Task ForecastEval_WithoutARequiredOption_ExitsWithTwoNamingIt()
    {
        var input = WriteSeasonalCsv("no-season.csv", steps: 240);

        var (exitCode, stdout, stderr) = await RunAsync("forecast-eval", "--input", input, "--horizon", "24", "--json");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--season"));
        Assert.That(stdout.Trim(), Is.Empty, "no help text on stdout");
    }

    [Test]
    public async Task ForecastEval_MissingFile_ExitsWithTwoNamingIt()
    {
        var missing = Path.Combine(Folder, "no-such-file.csv");

        var (exitCode, _, stderr) = await RunAsync("forecast-eval", "--input", missing, "--season", "24", "--horizon", "24", "--json");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("no-such-file.csv"));
    }

    [Test]
    public async Task ForecastEval_InputIsAFolder_ExitsWithTwoSayingItIsAFolder()
    {
        var (exitCode, _, stderr) = await RunAsync("forecast-eval", "--input", Folder, "--season", "24", "--horizon", "24", "--json");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("--input").And.Contain("is a folder"));
        Assert.That(stderr, Does.Not.Contain("does not exist"));
    }

    [Test]
    public async Task ForecastEval_MalformedValue_ExitsWithTwoNamingTheLine()
    {
        var input = Path.Combine(Folder, "malformed.csv");
        await File.WriteAllTextAsync(input, "timestamp,series,value\n2026-01-05T00:00:00Z,a,1\n2026-01-05T01:00:00Z,a,abc\n");

        var (exitCode, stdout, stderr) = await RunAsync("forecast-eval", "--input", input, "--season", "24", "--horizon", "24", "--json");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("line 3").And.Contain("abc"));
        Assert.That(stdout.Trim(), Is.Empty);
    }

    [Test]
    public async Task ForecastEval_SeriesTooShortForTheProtocol_ExitsWithTwoNamingTheSeries()
    {
        var input = WriteSeasonalCsv("short.csv", steps: 30);

        var (exitCode, _, stderr) = await RunAsync("forecast-eval", "--input", input, "--season", "24", "--horizon", "24", "--models", "seasonal-naive", "--json");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("'small' (30 steps)").And.Contain("'large' (30 steps)").And.Contain("at least 120 steps"));
    }

    [Test]
    public async Task ForecastEval_OneSeriesTooShort_EvaluatesTheOthersAndNamesTheShortOne()
    {
        // Real traces mix series that began late with long ones: 240 steps each, and one of 40 that began 200 hours in.
        var input = WriteSeasonalCsv("mixed.csv", steps: 240);
        var late = new StringBuilder();
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        for (var t = 200; t < 240; t++)
        {
            late.Append(CultureInfo.InvariantCulture, $"{start.AddHours(t):yyyy-MM-ddTHH:mm:ssZ},late,{10 + (t % 24)}\n");
        }

        await File.AppendAllTextAsync(input, late.ToString());

        var (exitCode, stdout, stderr) = await RunAsync("forecast-eval", "--input", input, "--season", "24", "--horizon", "24", "--models", "seasonal-naive", "--json");
        var (_, human, _) = await RunAsync("forecast-eval", "--input", input, "--season", "24", "--horizon", "24", "--models", "seasonal-naive");

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stderr, Does.Contain("1 series too short to evaluate, left out: 'late' (40 steps)"));
        using var document = JsonDocument.Parse(stdout.Trim());
        Assert.That(document.RootElement.GetProperty("models").GetArrayLength(), Is.EqualTo(1));
        Assert.That(human, Does.Match(@"series\s+2\b"), "the figures are over the two series long enough");
    }

    /// <summary>Two hourly series with a daily cycle and seeded noise, in long format.</summary>
    [Test]
    public async Task ForecastEval_WithJson_WritesUndefinedMetricsAsNullNotAsAString()
    {
        // Two series that repeat their day exactly have no seasonal-naive scale, so MASE is undefined for both; every
        // value is zero, so wQL (pinball loss over the sum of absolute actuals) is undefined too. JSON has no NaN.
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var text = new StringBuilder("timestamp,series,value\n");
        foreach (var series in new[] { "a", "b" })
        {
            for (var t = 0; t < 240; t++)
            {
                text.Append(CultureInfo.InvariantCulture, $"{start.AddHours(t):yyyy-MM-ddTHH:mm:ssZ},{series},0\n");
            }
        }

        var input = Path.Combine(Folder, "zeros.csv");
        await File.WriteAllTextAsync(input, text.ToString());

        var (exitCode, stdout, stderr) = await RunAsync("forecast-eval", "--input", input, "--season", "24", "--horizon", "24", "--models", "seasonal-naive", "--json");

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout, Does.Not.Contain("NaN"));
        using var document = JsonDocument.Parse(stdout);
        var model = document.RootElement.GetProperty("models")[0];
        Assert.That(model.EnumerateObject().Select(p => p.Name), Is.EqualTo(ModelFields), "the fields stay, with null values");
        Assert.That(model.GetProperty("mase").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(model.GetProperty("wql").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(model.GetProperty("coverage80").GetDouble(), Is.EqualTo(1.0), "a zero forecast of zeros lies inside its interval");
    }

    [Test]
    public async Task ForecastEval_WhenCancelled_ExitsWith130SayingSo_AndPrintsNoReport()
    {
        var input = WriteSeasonalCsv("cancel.csv", steps: 24 * 10);
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var settings = new ForecastEvalSettings { Input = input, Season = 24, Horizon = 24, Models = ["seasonal-naive"] };

        var code = await ForecastEvalCommand.RunAsync(settings, json: true, output, error, cancelled.Token);

        CancelledRun.AssertReported(code, output, error);
    }

    [Test]
    public async Task ForecastEval_WhenCancelledWhileReadingTheInput_StopsThereSayingSo()
    {
        var input = WriteSeasonalCsv("cancel-read.csv", steps: 24 * 10);
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var settings = new ForecastEvalSettings { Input = input, Season = 24, Horizon = 24, Models = ["seasonal-naive"], StepSeconds = 7200 };

        var code = await ForecastEvalCommand.RunAsync(settings, json: true, output, error, cancelled.Token);

        CancelledRun.AssertReported(code, output, error);
        Assert.That(error.ToString(), Does.Not.Contain("series, step"), "the input's summary comes only after it was read");
    }

    [Test]
    public async Task ForecastEval_OnAKeyTraceWithAnEmptyKey_ExitsWithTwoNamingTheFileAndTheEmptyKey()
    {
        // A key trace may hold the empty key; as a series to evaluate it has no name.
        var input = Path.Combine(Folder, "empty-key.csv");
        var text = new StringBuilder("timestamp,key,count\n");
        for (var t = 0; t < 24 * 10; t++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero).AddHours(t):yyyy-MM-ddTHH:mm:ssZ},,{t % 24}\n");
        }

        await File.WriteAllTextAsync(input, text.ToString());
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await ForecastEvalCommand.RunAsync(new ForecastEvalSettings { Input = input, Season = 24, Horizon = 24, Models = ["seasonal-naive"] }, json: true, output, error, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2));
            Assert.That(error.ToString(), Does.Contain(input).And.Contain("empty key"));
            Assert.That(output.ToString(), Is.Empty);
        });
    }

    private string WriteSeasonalCsv(string name, int steps)
    {
        var random = new Random(5);
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var text = new StringBuilder("timestamp,series,value\n");
        foreach (var (series, level) in new[] { ("small", 20.0), ("large", 500.0) })
        {
            for (var t = 0; t < steps; t++)
            {
                var value = Math.Round(level * (1 + (0.5 * Math.Sin(2 * Math.PI * t / 24))) * (0.9 + (0.2 * random.NextDouble())));
                text.Append(CultureInfo.InvariantCulture, $"{start.AddHours(t):yyyy-MM-ddTHH:mm:ssZ},{series},{value}\n");
            }
        }

        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, text.ToString());
        return path;
    }
}
