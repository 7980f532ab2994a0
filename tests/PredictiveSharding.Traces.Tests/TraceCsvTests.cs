using System.Globalization;
using System.Text;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;
using PredictiveSharding.Traces;

namespace PredictiveSharding.Traces.Tests;

public sealed class TraceCsvTests
{
    private static IReadOnlyList<PartitionLoadSeries> Series(string csv, TimeSpan? step = null) => TraceCsv.ReadSeries(new StringReader(csv), step, "test.csv");

    [Test]
    public void ReadSeries_InfersStepAndKeepsSeriesApart()
    {
        var series = Series("timestamp,series,value\n2024-01-01T00:00:00Z,a,1\n2024-01-01T00:00:00Z,b,5\n2024-01-01T01:00:00Z,a,2\n2024-01-01T01:00:00Z,b,6\n");
        Assert.That(series.Select(s => s.Partition.Value), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(series[0].Step, Is.EqualTo(TimeSpan.FromHours(1)));
        Assert.That(series[1].RequestValues(), Is.EqualTo(new[] { 5.0, 6.0 }));
    }

    [Test]
    public void ReadSeries_DriftingTimestamps_RoundToTheInferredStep()
    {
        var series = Series("timestamp,series,value\n2015-02-26 21:42:53,a,1\n2015-02-26 21:47:53,a,2\n2015-02-26 21:52:54,a,3\n2015-02-26 21:57:53,a,4\n");
        Assert.That(series[0].Step, Is.EqualTo(TimeSpan.FromMinutes(5)));
        Assert.That(series[0].RequestValues(), Is.EqualTo(new[] { 1.0, 2.0, 3.0, 4.0 }));
    }

    [TestCase(3600, 30)]
    [TestCase(60, 15)]
    [TestCase(86400, 3600)]
    public void ReadSeries_SeriesOfOneStepSampledAtDifferentMoments_InferTheirStepAndKeepEachSampleInItsStep(int stepSeconds, int offsetSeconds)
    {
        // The step was inferred from all series' timestamps at once: a at :00:00 and b at :00:30 of each hour made gaps of
        // 30 s and 59:30, so the step was 30 s and each series was interpolated across 119 of every 120 steps.
        var csv = new StringBuilder("timestamp,series,value\n");
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var step = TimeSpan.FromSeconds(stepSeconds);
        for (var i = 0; i < 6; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{start + (step * i):O},a,{i + 1}\n");
            csv.Append(CultureInfo.InvariantCulture, $"{start + (step * i) + TimeSpan.FromSeconds(offsetSeconds):O},b,{(i + 1) * 10}\n");
        }

        var series = Series(csv.ToString());

        Assert.That(series.Select(s => s.Step), Is.All.EqualTo(step));
        Assert.That(series[0].RequestValues(), Is.EqualTo(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0 }));
        Assert.That(series[1].RequestValues(), Is.EqualTo(new[] { 10.0, 20.0, 30.0, 40.0, 50.0, 60.0 }));
        Assert.That(series[1].Buckets.Select(b => b.Start), Is.EqualTo(series[0].Buckets.Select(b => b.Start)));
    }

    [Test]
    public void ReadKeyTrace_HourlyKeysCountedThirtySecondsApart_InferAnHour()
    {
        // As for series: simulate read this trace as 30 s steps, nearly all of them without a request.
        var csv = new StringBuilder("timestamp,key,count\n");
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var hour = 0; hour < 6; hour++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{start.AddHours(hour):O},a,{hour + 1}\n");
            csv.Append(CultureInfo.InvariantCulture, $"{start.AddHours(hour).AddSeconds(30):O},b,{(hour + 1) * 10}\n");
        }

        var trace = TraceCsv.ReadKeyTrace(new StringReader(csv.ToString()), null, "keys.csv");

        Assert.That(trace.Step, Is.EqualTo(TimeSpan.FromHours(1)));
        Assert.That(trace.Start, Is.EqualTo(start));
        Assert.That(trace.StepCount, Is.EqualTo(6));
        Assert.That(trace.CountsOf(1).ToArray(), Is.EqualTo(new[] { 10.0, 20.0, 30.0, 40.0, 50.0, 60.0 }));
    }

    [Test]
    public void ReadSeries_HourlyAndTwoHourlySeriesOffset_InferTheSmallerStep()
    {
        // The smallest series' step, not the largest: the 2-hourly series are read hourly (the hour between two of their
        // samples interpolated), not the hourly one every two hours (two of its samples in one step). Taken together,
        // the timestamps 20 s apart made the step 20 s.
        var csv = new StringBuilder("timestamp,series,value\n");
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var hour = 0; hour < 8; hour++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{start.AddHours(hour):O},hourly,1\n");
            if (hour % 2 == 0)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{start.AddHours(hour).AddSeconds(20):O},two-hourly,{hour * 10}\n");
                csv.Append(CultureInfo.InvariantCulture, $"{start.AddHours(hour).AddSeconds(40):O},two-hourly-later,{hour * 10}\n");
            }
        }

        var series = Series(csv.ToString());

        Assert.That(series.Select(s => s.Step), Is.All.EqualTo(TimeSpan.FromHours(1)));
        Assert.That(series[0].Count, Is.EqualTo(8));
        Assert.That(series[1].RequestValues(), Is.EqualTo(new[] { 0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0 }));
        Assert.That(series[2].Buckets.Select(b => b.Start), Is.EqualTo(series[0].Buckets.Take(7).Select(b => b.Start)));
    }

    [Test]
    public void ReadSeries_ThreeAndTwoHourlySeriesOffset_InferTheStepBothAreWholeMultiplesOf()
    {
        // The smaller per-series step (2 h) would put every other sample of the 3-hourly series half way between steps.
        var csv = new StringBuilder("timestamp,series,value\n");
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var hour = 0; hour <= 12; hour++)
        {
            if (hour % 2 == 0)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{start.AddHours(hour):O},two,1\n");
            }

            if (hour % 3 == 0)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{start.AddHours(hour).AddSeconds(30):O},three,{hour}\n");
            }
        }

        var series = Series(csv.ToString());

        Assert.That(series[0].Step, Is.EqualTo(TimeSpan.FromHours(1)));
        Assert.That(series[1].RequestValues(), Is.EqualTo(Enumerable.Range(0, 13).Select(h => (double)h)));
    }

    [Test]
    public void ReadKeyTrace_KeysSeenInSomeMinutesOnly_InferTheMinuteTheirRowsShare()
    {
        // A key's own gaps are whole multiples of the trace's step when it is not requested in every step: a and b take
        // turns minute by minute (each is seen every 2 minutes), c and d are seen twice, 2 and 3 minutes apart, e once.
        var csv = "timestamp,key,count\n"
            + "2024-01-01T00:00:00Z,a,1\n2024-01-01T00:00:00Z,c,1\n2024-01-01T00:01:00Z,b,1\n2024-01-01T00:01:00Z,d,1\n"
            + "2024-01-01T00:02:00Z,a,1\n2024-01-01T00:02:00Z,c,1\n2024-01-01T00:03:00Z,b,1\n2024-01-01T00:04:00Z,a,1\n"
            + "2024-01-01T00:04:00Z,d,1\n2024-01-01T00:05:00Z,b,1\n2024-01-01T00:05:00Z,e,1\n2024-01-01T00:06:00Z,a,1\n";

        var trace = TraceCsv.ReadKeyTrace(new StringReader(csv), null, "keys.csv");

        Assert.That(trace.Step, Is.EqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(trace.StepCount, Is.EqualTo(7));
        Assert.That(trace.CountsOf(0).ToArray(), Is.EqualTo(new[] { 1.0, 0, 1, 0, 1, 0, 1 }));
        Assert.That(trace.CountsOf(1).ToArray(), Is.EqualTo(new[] { 0.0, 1, 0, 1, 0, 1, 0 }));
    }

    [Test]
    public void ReadKeyTrace_KeysEachSeenTwiceTwoMinutesApart_KeepTheMinuteTheirRowsShare()
    {
        // Every key's own gap is 2 minutes, but half of them are seen at odd minutes: 2-minute steps would split the
        // difference between them, so the minute all rows lie on is the step.
        var csv = "timestamp,key,count\n2024-01-01T00:00:00Z,a,1\n2024-01-01T00:01:00Z,b,1\n2024-01-01T00:02:00Z,a,1\n2024-01-01T00:03:00Z,b,1\n";

        var trace = TraceCsv.ReadKeyTrace(new StringReader(csv), null, "keys.csv");

        Assert.That(trace.Step, Is.EqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(trace.CountsOf(1).ToArray(), Is.EqualTo(new[] { 0.0, 1, 0, 1 }));
    }

    [Test]
    public void ReadSeries_SeriesWithASingleSample_TakesTheStepOfTheOthers()
    {
        // A single sample shows no step of its own: it is placed on the step the hourly series 30 s apart show.
        var csv = new StringBuilder("timestamp,series,value\n");
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var hour = 0; hour < 6; hour++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{start.AddHours(hour):O},a,1\n");
            csv.Append(CultureInfo.InvariantCulture, $"{start.AddHours(hour).AddSeconds(30):O},b,1\n");
        }

        csv.Append(CultureInfo.InvariantCulture, $"{start.AddHours(2).AddSeconds(10):O},once,7\n");

        var series = Series(csv.ToString());

        Assert.That(series.Select(s => s.Step), Is.All.EqualTo(TimeSpan.FromHours(1)));
        Assert.That(series[2].RequestValues(), Is.EqualTo(new[] { 7.0 }));
        Assert.That(series[2].Start, Is.EqualTo(start.AddHours(2)));
    }

    [Test]
    public void ReadSeries_GivenStepNotAWholeMultipleOfOffsetSeriesOwnStep_IsRefused()
    {
        // Hourly series 30 s apart read at 30 minutes leave every other step without a sample; the file's step was 30 s,
        // of which 30 minutes is a whole multiple, so it was read.
        var csv = new StringBuilder("timestamp,series,value\n");
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var hour = 0; hour < 6; hour++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{start.AddHours(hour):O},a,1\n");
            csv.Append(CultureInfo.InvariantCulture, $"{start.AddHours(hour).AddSeconds(30):O},b,1\n");
        }

        Assert.That(() => Series(csv.ToString(), TimeSpan.FromMinutes(30)), Throws.InstanceOf<TraceFormatException>().With.Message.Contains("01:00:00"));
        Assert.That(Series(csv.ToString(), TimeSpan.FromHours(2))[1].RequestValues(), Is.EqualTo(new[] { 2.0, 2.0, 2.0 }));
    }

    [Test]
    public void ReadSeries_Gap_IsLinearlyInterpolated()
    {
        var series = Series("timestamp,series,value\n2024-01-01T00:00:00Z,a,10\n2024-01-01T01:00:00Z,a,20\n2024-01-01T04:00:00Z,a,50\n");
        Assert.That(series[0].RequestValues(), Is.EqualTo(new[] { 10.0, 20.0, 30.0, 40.0, 50.0 }));
    }

    [Test]
    public void ReadSeries_GivenStep_SumsIntoEpochAlignedBuckets()
    {
        var series = Series("timestamp,series,value\n2024-01-01T00:10:00Z,a,1\n2024-01-01T00:50:00Z,a,2\n2024-01-01T01:05:00Z,a,4\n", TimeSpan.FromHours(1));
        Assert.That(series[0].RequestValues(), Is.EqualTo(new[] { 3.0, 4.0 }));
        Assert.That(series[0].Start, Is.EqualTo(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [TestCase("timestamp,series,value\n2024-01-01T01:00:00Z,a,1\n2024-01-01T00:00:00Z,a,2\n", "goes back in time")]
    [TestCase("timestamp,series,value\n2024-01-01T00:00:00Z,a,1\n2024-01-01T00:00:00Z,a,2\n2024-01-01T01:00:00Z,a,2\n", "repeats timestamp")]
    [TestCase("timestamp,series,value\n2024-01-01T00:00:00Z,a,-4\n", "-4 is negative")]
    [TestCase("timestamp,series,value\n2024-01-01T00:00:00Z,a,NaN\n", "'NaN' is not a finite number")]
    [TestCase("timestamp,series,value\nyesterday,a,1\n", "'yesterday' is not an ISO-8601 timestamp")]
    [TestCase("when,series,value\n2024-01-01T00:00:00Z,a,1\n", "no 'timestamp' column")]
    [TestCase("", "empty")]
    public void ReadSeries_BadInput_ThrowsNamingValueAndLine(string csv, string message)
    {
        Assert.That(() => Series(csv), Throws.InstanceOf<TraceFormatException>().With.Message.Contains(message).And.Message.Contains("test.csv"));
    }

    // CsvHelper trims an unquoted field, so " a " and "a" were one key (their requests summed) without a word. Spaces
    // around a name are layout (see the next test), but one name written both ways is ambiguous and refused, naming both
    // lines and spellings; quoted, spaces are kept.
    [TestCase("timestamp,key,count\n2024-01-01T00:00:00Z,a,2\n2024-01-01T00:00:00Z, a ,1\n", "lines 2 and 3", "' a '")]
    [TestCase("timestamp,key,count\n2024-01-01T00:00:00Z, a ,1\n2024-01-01T00:01:00Z,b,1\n2024-01-01T00:02:00Z,a,2\n", "lines 2 and 4", "' a '")]
    [TestCase("timestamp,key,count\n2024-01-01T00:00:00Z,a ,1\n2024-01-01T00:00:00Z, a,1\n", "lines 2 and 3", "' a'")]
    public void ReadKeyTrace_OneKeyWrittenWithAndWithoutSpacesAroundIt_ThrowsNamingBothLines(string csv, string lines, string spelling)
    {
        Assert.That(
            () => TraceCsv.ReadKeyTrace(new StringReader(csv), TimeSpan.FromMinutes(1), "keys.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("keys.csv, " + lines).And.Message.Contains(spelling).And.Message.Contains("quote"));
    }

    [Test]
    public void ReadSeries_OneSeriesNameWrittenWithAndWithoutSpacesAroundIt_ThrowsNamingBothLines()
    {
        Assert.That(
            () => Series("timestamp,series,value\n2024-01-01T00:00:00Z, b,1\n2024-01-01T01:00:00Z,b,1\n", TimeSpan.FromHours(1)),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("test.csv, lines 2 and 3").And.Message.Contains("' b'"));
    }

    [Test]
    public void ReadKeyTrace_SpacesAfterEveryComma_AreLayout()
    {
        var trace = TraceCsv.ReadKeyTrace(
            new StringReader("timestamp, key, count\n2024-01-01T00:00:00Z, a, 1\n2024-01-01T00:00:00Z, b, 2\n2024-01-01T00:01:00Z, a, 3\n"),
            TimeSpan.FromMinutes(1),
            "keys.csv");

        Assert.Multiple(() =>
        {
            Assert.That(trace.Keys.Select(k => k.ToString()), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(trace.CountsOf(0).ToArray(), Is.EqualTo(new[] { 1.0, 3.0 }));
        });
    }

    // CsvHelper trims the space alone: a tab is part of the name, so "\ta" is a key of its own and merges with nothing.
    [Test]
    public void ReadKeyTrace_TabBeforeAKey_IsPartOfIt()
    {
        var trace = TraceCsv.ReadKeyTrace(new StringReader("timestamp,key,count\n2024-01-01T00:00:00Z,\ta,1\n2024-01-01T00:00:00Z,a,2\n"), TimeSpan.FromMinutes(1), "keys.csv");

        Assert.That(trace.Keys.Select(k => trace.CountsOf(trace.Keys.ToList().IndexOf(k))[0]).Order(), Is.EqualTo(new[] { 1.0, 2.0 }), "two keys, one per spelling");
    }

    [Test]
    public void ReadKeyTrace_QuotedKeyWithSpaces_KeepsThemAndSpacesAroundOtherFieldsAreLayout()
    {
        var trace = TraceCsv.ReadKeyTrace(new StringReader("timestamp,key,count\n 2024-01-01T00:00:00Z , \" a \" , 1 \n2024-01-01T00:00:00Z,a,2\n"), TimeSpan.FromMinutes(1), "keys.csv");

        Assert.That(trace.Keys.Select(k => k.ToString()).Order(StringComparer.Ordinal), Is.EqualTo(new[] { " a ", "a" }));
    }

    [TestCase("timestamp;key;count\n2024-01-01T00:00:00Z;a;1\n", "';'")]
    [TestCase("timestamp\tkey\tcount\n2024-01-01T00:00:00Z\ta\t1\n", "tab")]
    public void ReadKeyTrace_HeaderSeparatedByAnotherCharacter_SaysSoAndWhatItFound(string csv, string separator)
    {
        Assert.That(
            () => TraceCsv.ReadKeyTrace(new StringReader(csv), TimeSpan.FromMinutes(1), "keys.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("1 column").And.Message.Contains(separator).And.Message.Contains("comma"));
    }

    [Test]
    public void ReadKeyTrace_WithoutAHeader_SaysTheFirstLineLooksLikeARow()
    {
        Assert.That(
            () => TraceCsv.ReadKeyTrace(new StringReader("2024-01-01T00:00:00Z,a,1\n2024-01-01T00:01:00Z,a,2\n"), TimeSpan.FromMinutes(1), "keys.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("3 columns").And.Message.Contains("no header").And.Message.Contains("timestamp,key,count"));
    }

    // DateTimeOffset.TryParse took these too, and read them by culture (01/02 is 2 January here, 1 February elsewhere).
    [TestCase("01/02/2024")]
    [TestCase("01/02/2024 10:00:00")]
    [TestCase("Jan 2 2024")]
    [TestCase("2 January 2024 10:00")]
    [TestCase("Tue, 02 Jan 2024 10:00:00 GMT")]
    [TestCase("2024/01/02")]
    [TestCase("2024-1-2")]
    [TestCase("10:00")]
    [TestCase("2024-01-02T10:00:00.")]
    [TestCase("2024-01-02T23:59:60Z")]
    [TestCase("2024-01-02T24:00:00Z")]
    [TestCase("2024-01-02T10:00:00+1")]
    [TestCase("2024-01-02z")]
    public void ReadSeries_TimestampNotInIso8601_ThrowsNamingValueAndLine(string timestamp)
    {
        var csv = $"timestamp,series,value\n2024-01-01T23:00:00Z,a,1\n\"{timestamp}\",a,2\n";

        Assert.That(() => Series(csv), Throws.InstanceOf<TraceFormatException>().With.Message.StartsWith($"test.csv, line 3: '{timestamp}' is not an ISO-8601 timestamp"));
    }

    // Well-formed, but no DateTimeOffset holds them: the message only said they were not ISO-8601 timestamps.
    [TestCase("2024-01-02T10:00:00+15:00")]
    [TestCase("0001-01-01T00:00:00+01:00")]
    public void ReadSeries_TimestampOutsideTheRepresentableRange_MessageSaysTheLimits(string timestamp)
    {
        Assert.That(() => Series($"timestamp,series,value\n{timestamp},a,1\n"), Throws.InstanceOf<TraceFormatException>().With.Message.Contains($"'{timestamp}'").And.Message.Contains("±14:00").And.Message.Contains("0001-01-01"));
    }

    [Test]
    public void ReadSeries_VeryLongTimestampOrValue_MessageQuotesOnlyTheirStart()
    {
        // The whole field went into the message: a quoted field of megabytes (a stray quote pairing far below, a binary
        // file) made a message of megabytes for the console and the logs.
        var longText = new string('9', 1_000_000);

        Assert.That(() => Series($"timestamp,series,value\n\"2024-01-01T00:00:00Z{longText}\",a,1\n"), Throws.InstanceOf<TraceFormatException>().With.Message.StartsWith("test.csv, line 2: '2024-01-01T00:00:00Z999").And.Message.Length.LessThan(1000));
        Assert.That(() => Series($"timestamp,series,value\n2024-01-01T00:00:00Z,a,\"1x{longText}\"\n"), Throws.InstanceOf<TraceFormatException>().With.Message.StartsWith("test.csv, line 2: value '1x999").And.Message.Length.LessThan(1000));
    }

    [TestCase("2024-01-02", "2024-01-02T00:00:00Z")]
    [TestCase("2024-01-02T10:00", "2024-01-02T10:00:00Z")]
    [TestCase("2024-01-02T10:00:00", "2024-01-02T10:00:00Z")]
    [TestCase("2024-01-02 10:00:00", "2024-01-02T10:00:00Z")]
    [TestCase("2024-01-02T10:00:00Z", "2024-01-02T10:00:00Z")]
    [TestCase("2024-01-02T10:00:00.250Z", "2024-01-02T10:00:00.25Z")]
    [TestCase("2024-01-02T11:30:00+01:30", "2024-01-02T10:00:00Z")]
    [TestCase("2024-01-02T05:00:00.5-05:00", "2024-01-02T10:00:00.5Z")]

    // More digits than a DateTimeOffset's seven (Java's Instant writes nine) were refused as "not an ISO-8601 timestamp".
    [TestCase("2024-01-02T10:00:00.250000000Z", "2024-01-02T10:00:00.25Z")]
    [TestCase("2024-01-02 11:00:00.2500000999+01:00", "2024-01-02T10:00:00.25Z")]
    [TestCase("2024-01-02t10:00:00z", "2024-01-02T10:00:00Z")]
    [TestCase("2024-01-02T11:00:00+01", "2024-01-02T10:00:00Z")]
    [TestCase("2024-01-02 05:00-05", "2024-01-02T10:00:00Z")]
    [TestCase("2024-01-02T10:00:00.5z", "2024-01-02T10:00:00.5Z")]
    public void ReadSeries_Iso8601Forms_AreReadAsUtcWhenTheyHaveNoOffset(string timestamp, string utc)
    {
        var series = Series($"timestamp,series,value\n{timestamp},a,1\n", TimeSpan.FromMilliseconds(250));

        Assert.That(series[0].Start, Is.EqualTo(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(series[0].Start.Offset, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public void ReadKeyTrace_SortsKeysFillsZerosAndAggregatesByRouting()
    {
        var trace = TraceCsv.ReadKeyTrace(new StringReader("timestamp,key,count\n2024-01-01T00:00:00Z,user9,3\n2024-01-01T00:00:00Z,user1,1\n2024-01-01T00:02:00Z,user1,7\n2024-01-01T00:01:00Z,user5,2\n"), TimeSpan.FromMinutes(1));
        Assert.That(trace.Keys.Select(k => k.ToString()), Is.EqualTo(new[] { "user1", "user5", "user9" }));
        Assert.That(trace.StepCount, Is.EqualTo(3));
        Assert.That(trace.CountsOf(0).ToArray(), Is.EqualTo(new[] { 1.0, 0.0, 7.0 }));
        Assert.That(trace.TotalAt(0), Is.EqualTo(4));

        var map = new RoutingMap(
            [
                new PartitionRoute(new PartitionId("lo"), KeyRange.FromStrings("", "user5"), new NodeId("n")),
                new PartitionRoute(new PartitionId("hi"), KeyRange.FromStrings("user5", null), new NodeId("n")),
            ],
            0);
        var series = trace.AggregateBy(map);
        Assert.That(series.Select(s => s.RequestValues()), Is.EqualTo(new[] { new[] { 1.0, 0.0, 7.0 }, new[] { 3.0, 2.0, 0.0 } }));
    }

    // Keys handed out the trace's own array: a cast back to ShardKey[] renamed a key under its counts (the trace and every
    // simulation of it then gave one key's requests to another), or unsorted them so that no simulation would take it.
    [Test]
    public void ReadKeyTrace_KeysCastBackToAnArray_CannotChangeTheTrace()
    {
        var trace = TraceCsv.ReadKeyTrace(new StringReader("timestamp,key,count\n2024-01-01T00:00:00Z,b,1\n2024-01-01T00:01:00Z,c,2\n"), null, "keys.csv");

        if (trace.Keys is ShardKey[] array)
        {
            array[0] = ShardKey.FromString("a");
        }

        Assert.That(trace.Keys, Is.EqualTo(new[] { ShardKey.FromString("b"), ShardKey.FromString("c") }));
    }

    [Test]
    public void ReadKeyTrace_OneStrayFarOffRow_ThrowsNamingItInsteadOfRunningOutOfMemory()
    {
        // 200 keys × 300 minutes and one row in 2034: 1.05e9 counts passed the per-array check and ran out of memory.
        var csv = new StringBuilder("timestamp,key,count\n");
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        for (var minute = 0; minute < 300; minute++)
        {
            for (var key = 0; key < 200; key++)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{start.AddMinutes(minute):O},k{key},1\n");
            }
        }

        csv.Append("2034-01-01T00:00:00Z,k0,1\n");

        Assert.That(
            () => TraceCsv.ReadKeyTrace(new StringReader(csv.ToString()), TimeSpan.FromMinutes(1), "test.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("test.csv, line 60002").And.Message.Contains("2034-01-01T00:00:00").And.Message.Contains("200 keys").And.Message.Contains("remove the stray row"));
    }

    [Test]
    public void ReadKeyTrace_StepHoldingAYearOneRowWouldStartBeforeYearOne_ThrowsNamingTheRow()
    {
        // A default(DateTime) row (0001-01-01T00:00:00) lies in an epoch-aligned step of 7 s that starts before year 1:
        // the grid's origin threw ArgumentOutOfRangeException ("Ticks must be between ...") instead of naming the row.
        var csv = "timestamp,key,count\n0001-01-01T00:00:00Z,a,1\n2024-01-01T00:00:00Z,a,1\n";

        Assert.That(
            () => TraceCsv.ReadKeyTrace(new StringReader(csv), TimeSpan.FromSeconds(7), "test.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("test.csv, line 2").And.Message.Contains("0001-01-01T00:00:00"));
        Assert.That(
            () => TraceCsv.ReadSeries(new StringReader(csv.Replace("key,count", "series,value", StringComparison.Ordinal)), TimeSpan.FromDays(7), "test.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("test.csv, line 2").And.Message.Contains("0001-01-01T00:00:00"));
    }

    [Test]
    public void ReadSeries_LastRowRoundedToAStepAfterYear9999_ThrowsNamingTheRow()
    {
        // Rounded to the nearest inferred hour, 9999-12-31T23:59:59 falls in a step starting 10000-01-01, which a
        // DateTimeOffset cannot hold: the reader threw ArgumentOutOfRangeException instead of naming the row.
        var csv = "timestamp,series,value\n9999-12-31T22:00:00Z,a,1\n9999-12-31T23:00:00Z,a,1\n9999-12-31T23:59:59Z,a,1\n";

        Assert.That(
            () => Series(csv),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("test.csv, line 4").And.Message.Contains("9999-12-31T23:59:59"));
        Assert.That(
            () => TraceCsv.ReadKeyTrace(new StringReader(csv.Replace("series,value", "key,count", StringComparison.Ordinal)), null, "test.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("test.csv, line 4"));
    }

    [Test]
    public void ReadSeries_OneTimestampOnly_AsksForTheStep()
    {
        Assert.That(
            () => Series("timestamp,series,value\n2026-01-05T00:00:00Z,a,1\n2026-01-05T00:00:00Z,b,2\n"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("one timestamp only"));
    }

    [Test]
    public void ReadSeries_TimestampsWithinOneSecond_SaysStepsAreWholeSeconds()
    {
        // Ten samples 100 ms apart: before, "one timestamp only", which they are not.
        var csv = new StringBuilder("timestamp,series,value\n");
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 10; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{start.AddMilliseconds(100 * i):yyyy-MM-ddTHH:mm:ss.fffZ},s,1\n");
        }

        Assert.That(
            () => Series(csv.ToString()),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("within one second").And.Message.Contains("whole seconds"));
    }

    [Test]
    public void ReadSeries_OneStrayFarOffRow_ThrowsNamingItInsteadOfRunningOutOfMemory()
    {
        // Per-second samples and one row three years on: 94 million buckets to fill, under the per-array limit that was
        // the only check, and several GiB of buckets.
        var csv = new StringBuilder("timestamp,series,value\n");
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        for (var second = 0; second < 100; second++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{start.AddSeconds(second):O},s,1\n");
        }

        csv.Append("2029-01-05T00:00:00Z,s,1\n");

        Assert.That(
            () => TraceCsv.ReadSeries(new StringReader(csv.ToString()), TimeSpan.FromSeconds(1), "test.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("test.csv, line 102").And.Message.Contains("2029-01-05T00:00:00").And.Message.Contains("remove the stray row"));
    }

    [Test]
    public void ReadKeyTrace_ThousandsOfKeysAndSteps_FitsTheBudget()
    {
        // The budget is for stray rows, not real traces: 3,000 keys × 3,000 steps (9 million counts) are read.
        var csv = new StringBuilder("timestamp,key,count\n");
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        for (var key = 0; key < 3000; key++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{start:O},k{key},1\n");
        }

        csv.Append(CultureInfo.InvariantCulture, $"{start.AddMinutes(2999):O},k0,1\n");

        var trace = TraceCsv.ReadKeyTrace(new StringReader(csv.ToString()), TimeSpan.FromMinutes(1), "test.csv");

        Assert.That(trace.Keys, Has.Count.EqualTo(3000));
        Assert.That(trace.StepCount, Is.EqualTo(3000));
    }

    [Test]
    public void ReadKeyTrace_Cancelled_StopsBetweenRows()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        const string Csv = "timestamp,key,count\n2024-01-01T00:00:00Z,a,1\n2024-01-01T00:01:00Z,a,2\n";

        Assert.That(() => TraceCsv.ReadKeyTrace(new StringReader(Csv), TimeSpan.FromMinutes(1), "test.csv", cancelled.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void ReadKeyTrace_KeyWithALoneSurrogate_ThrowsNamingTheLine()
    {
        // ShardKey.FromString refuses a lone surrogate; the reader must say so in its own terms (file, line, key).
        var csv = "timestamp,key,count\n2024-01-01T00:00:00Z,ok,1\n2024-01-01T00:00:00Z,bad" + (char)0xD800 + ",2\n";

        Assert.That(() => TraceCsv.ReadKeyTrace(new StringReader(csv), TimeSpan.FromMinutes(1), "test.csv"), Throws.InstanceOf<TraceFormatException>().With.Message.Contains("test.csv, line 3").And.Message.Contains("index 3").And.Message.Not.Contains("Parameter"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ReadKeyTrace_FileNotValidUtf8_ThrowsNamingTheBytesInsteadOfMergingKeys(bool byteOrderMark)
    {
        // Bytes that are not UTF-8 became U+FFFD: keys "a\xFF" and "a\xFE" were read as one key and their counts summed.
        // With a UTF-8 byte-order mark (Excel's "CSV UTF-8") the reader switched to the lenient Encoding.UTF8 and did it
        // again after strict decoding was first added.
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, byteOrderMark ? "bom-latin1-keys.csv" : "latin1-keys.csv");
        var bytes = byteOrderMark ? new List<byte> { 0xEF, 0xBB, 0xBF } : [];
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes("timestamp,key,count\n2024-01-01T00:00:00Z,a"));
        bytes.Add(0xFF);
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(",1\n2024-01-01T00:00:00Z,a"));
        bytes.Add(0xFE);
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(",2\n"));
        File.WriteAllBytes(path, [.. bytes]);

        Assert.That(() => TraceCsv.ReadKeyTrace(path, TimeSpan.FromMinutes(1)), Throws.InstanceOf<TraceFormatException>().With.Message.Contains(path).And.Message.Contains("not valid UTF-8").And.Message.Contains("FF"));
    }

    [Test]
    public void ReadKeyTrace_Utf16FileWithALoneSurrogate_ThrowsInsteadOfMergingKeys()
    {
        // A UTF-16 byte-order mark is followed, but with the lenient Encoding.Unicode: lone surrogates became U+FFFD, so
        // "a\uD800" and "a\uDC00" were one key with the counts summed.
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "utf16-surrogate-keys.csv");
        var text = "timestamp,key,count\n2024-01-01T00:00:00Z,a" + (char)0xD800 + ",1\n2024-01-01T00:00:00Z,a" + (char)0xDC00 + ",2\n";
        var bytes = new List<byte> { 0xFF, 0xFE };
        foreach (var c in text)
        {
            bytes.Add((byte)c);
            bytes.Add((byte)(c >> 8));
        }

        File.WriteAllBytes(path, [.. bytes]);

        Assert.That(() => TraceCsv.ReadKeyTrace(path, TimeSpan.FromMinutes(1)), Throws.InstanceOf<TraceFormatException>().With.Message.Contains(path).And.Message.Contains("not valid UTF-16"));
    }

    [Test]
    public void ReadKeyTrace_FilesWithByteOrderMarks_ReadTheirKeys()
    {
        var text = "timestamp,key,count\n2024-01-01T00:00:00Z,caf\u00E9,1\n";
        foreach (var (name, encoding) in new (string, System.Text.Encoding)[] { ("utf8", new System.Text.UTF8Encoding(true)), ("utf16le", new System.Text.UnicodeEncoding(false, true)), ("utf16be", new System.Text.UnicodeEncoding(true, true)), ("utf32le", new System.Text.UTF32Encoding(false, true)) })
        {
            var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "bom-" + name + ".csv");
            File.WriteAllBytes(path, [.. encoding.GetPreamble(), .. encoding.GetBytes(text)]);

            var trace = TraceCsv.ReadKeyTrace(path, TimeSpan.FromMinutes(1));

            Assert.That(trace.Keys, Is.EqualTo(new[] { ShardKey.FromString("caf\u00E9") }), name);
        }
    }

    // A byte-order mark the reader did not take (text decoded without BOM detection, or a file whose mark was written
    // twice) stayed in the header's first name: "no 'timestamp' column in header 'timestamp,key,count'", with the
    // mark invisible in the message.
    [Test]
    public void ReadKeyTrace_ByteOrderMarkLeftInTheText_ReadsTheHeader()
    {
        var text = "timestamp,key,count\n2024-01-01T00:00:00Z,a,1\n";
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "bom-twice.csv");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)]);

        Assert.Multiple(() =>
        {
            Assert.That(TraceCsv.ReadKeyTrace(new StringReader("\uFEFF" + text), TimeSpan.FromMinutes(1)).Keys, Is.EqualTo(new[] { ShardKey.FromString("a") }));
            Assert.That(TraceCsv.ReadKeyTrace(path, TimeSpan.FromMinutes(1)).Keys, Is.EqualTo(new[] { ShardKey.FromString("a") }));
            Assert.That(Series("\uFEFFtimestamp,series,value\n2024-01-01T00:00:00Z,a,1\n", TimeSpan.FromHours(1)).Select(s => s.Partition.Value), Is.EqualTo(new[] { "a" }));
        });
    }

    // Empty lines were skipped, but a line of spaces or tabs (an editor's indentation, a trailing line) was refused as
    // "An inconsistent number of columns has been detected".
    [Test]
    public void ReadKeyTrace_LinesOfWhiteSpaceOnly_AreSkippedAsBlankLines()
    {
        var trace = TraceCsv.ReadKeyTrace(new StringReader("  \ntimestamp,key,count\n2024-01-01T00:00:00Z,a,1\n   \n\t\n2024-01-01T00:01:00Z,a,2\n \n"), null, "keys.csv");

        Assert.That(trace.CountsOf(0).ToArray(), Is.EqualTo(new[] { 1.0, 2.0 }));
        Assert.That(
            () => TraceCsv.ReadKeyTrace(new StringReader("timestamp,key,count\n2024-01-01T00:00:00Z,a,1\n \n2024-01-01T00:01:00Z,a,x\n"), null, "keys.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.StartsWith("keys.csv, line 4: count 'x'"));
    }

    [Test]
    public void ReadKeyTrace_KeyGoingBackInTime_Throws()
    {
        Assert.That(
            () => TraceCsv.ReadKeyTrace(new StringReader("timestamp,key,count\n2024-01-01T00:05:00Z,k,1\n2024-01-01T00:00:00Z,k,1\n"), null, "keys.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("key 'k' goes back in time"));
    }

    [Test]
    public void ReadKeyTrace_SpanTooLongForItsStep_ThrowsNamingTheLineAndStep()
    {
        // Three rows a second apart make the inferred step one second; a fourth a century later needs billions of steps.
        var csv = "timestamp,key,count\n2000-01-01T00:00:00Z,a,1\n2000-01-01T00:00:01Z,a,1\n2000-01-01T00:00:02Z,a,1\n2100-01-01T00:00:00Z,a,1\n";
        Assert.That(
            () => TraceCsv.ReadKeyTrace(new StringReader(csv), null, "keys.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("keys.csv, line 5").And.Message.Contains("00:00:01"));
    }

    [Test]
    public void ReadSeries_SpanTooLongForItsStep_ThrowsNamingTheLineAndStep()
    {
        var csv = "timestamp,series,value\n2000-01-01T00:00:00Z,a,1\n2000-01-01T00:00:01Z,a,1\n2000-01-01T00:00:02Z,a,1\n2100-01-01T00:00:00Z,a,1\n";
        Assert.That(() => Series(csv), Throws.InstanceOf<TraceFormatException>().With.Message.Contains("test.csv, line 5").And.Message.Contains("00:00:01"));
    }

    [Test]
    public void ReadKeyTrace_CountsSummingPastTheLargestNumber_ThrowsNamingTheLine()
    {
        var csv = "timestamp,key,count\n2024-01-01T00:00:00Z,a,1e308\n2024-01-01T00:00:10Z,a,1e308\n2024-01-01T00:01:00Z,a,1\n";
        Assert.That(
            () => TraceCsv.ReadKeyTrace(new StringReader(csv), TimeSpan.FromMinutes(1), "keys.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("keys.csv, line 3").And.Message.Contains("'a'"));
    }

    [Test]
    public void ReadSeries_ValuesSummingPastTheLargestNumber_ThrowsNamingTheLine()
    {
        var csv = "timestamp,series,value\n2024-01-01T00:00:00Z,a,1e308\n2024-01-01T00:00:10Z,a,1e308\n2024-01-01T00:01:00Z,a,1\n";
        Assert.That(() => Series(csv, TimeSpan.FromMinutes(1)), Throws.InstanceOf<TraceFormatException>().With.Message.Contains("test.csv, line 3").And.Message.Contains("'a'"));
    }

    [TestCase(90, true)]
    [TestCase(30, true)]
    [TestCase(120, false)]
    [TestCase(60, false)]
    public void ReadKeyTrace_GivenStepThatIsNotAWholeMultipleOfARegularFilesStep_IsRefusedNamingBoth(int seconds, bool refused)
    {
        // Per-minute rows read at 90 s used to give steps of two rows and one row in turn: a sawtooth the load never had.
        var csv = "timestamp,key,count\n" + string.Concat(Enumerable.Range(0, 12).Select(i => $"2024-01-01T00:{i:D2}:00Z,a,10\n"));
        Action read = () => TraceCsv.ReadKeyTrace(new StringReader(csv), TimeSpan.FromSeconds(seconds), "minutes.csv");
        if (refused)
        {
            var e = Assert.Throws<TraceFormatException>(read);
            Assert.That(e!.Message, Does.Contain("minutes.csv").And.Contain("00:01:00").And.Contain(TimeSpan.FromSeconds(seconds).ToString()));
        }
        else
        {
            Assert.DoesNotThrow(read);
        }
    }

    [Test]
    public void ReadKeyTrace_GivenStepOnRawEvents_BucketsThemWhateverTheirSpacing()
    {
        var csv = "timestamp,key,count\n" + string.Concat(new[] { 0, 7, 19, 23, 41, 58, 66, 90, 101, 133 }.Select(s => $"2024-01-01T00:{s / 60:D2}:{s % 60:D2}Z,a,1\n"));
        var trace = TraceCsv.ReadKeyTrace(new StringReader(csv), TimeSpan.FromSeconds(45), "events.csv");
        Assert.That(trace.CountsOf(0).ToArray().Sum(), Is.EqualTo(10));
    }

    [Test]
    public void ReadKeyTrace_GivenStepBeforeTheUnixEpoch_FloorsToEpochAlignedSteps()
    {
        // 23:59:30 lies in the minute starting 23:59:00, 00:00:10 in the next one: two steps, not one.
        var trace = TraceCsv.ReadKeyTrace(new StringReader("timestamp,key,count\n1969-12-31T23:59:30Z,a,1\n1970-01-01T00:00:10Z,a,2\n"), TimeSpan.FromMinutes(1));
        Assert.That(trace.Start, Is.EqualTo(new DateTimeOffset(1969, 12, 31, 23, 59, 0, TimeSpan.Zero)));
        Assert.That(trace.CountsOf(0).ToArray(), Is.EqualTo(new[] { 1.0, 2.0 }));
    }

    [TestCase("timestamp,key,count\n2024-01-01T00:00:00Z,a\"b,1\n2024-01-01T00:01:00Z,a,2\n", "line 2", "a\"b")]
    [TestCase("timestamp,key,count\n2024-01-01T00:00:00Z,a,1\n2024-01-01T00:01:00Z,a,\"2\n2024-01-01T00:02:00Z,a,3\n", "line", "\"2")]
    public void ReadKeyTrace_BadQuoting_ThrowsSayingWhatIsWrongAndNamingTheField(string csv, string line, string field)
    {
        Assert.That(
            () => TraceCsv.ReadKeyTrace(new StringReader(csv), null, "keys.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("keys.csv, " + line).And.Message.Contains(field).And.Message.Contains("quote").And.Message.Not.Contains("BadDataFound"));
    }

    [Test]
    public void ReadKeyTrace_QuoteNeverClosed_NamesOnlyTheStartOfWhatItSwallowed()
    {
        var csv = "timestamp,key,count\n2024-01-01T00:00:00Z,\"a,1\n" + string.Concat(Enumerable.Range(1, 1000).Select(i => $"2024-01-01T00:{i % 60:D2}:00Z,a,1\n"));
        Assert.That(
            () => TraceCsv.ReadKeyTrace(new StringReader(csv), null, "keys.csv"),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("\"a,1").And.Message.Length.LessThan(400));
    }

    [Test]
    public void ReadSeries_TwoSamplesInOneInferredStep_AdvisesAnExplicitStepWithoutNamingAFlagNoCommandHas()
    {
        // No psharding command has a --step flag, and forecast-eval's --step-seconds resamples after reading, so the advice
        // must name what helps: the step given to the reader.
        var csv = "timestamp,series,value\n2024-01-01T00:00:00Z,a,1\n2024-01-01T00:01:00Z,a,2\n2024-01-01T00:02:00Z,a,3\n2024-01-01T00:02:20Z,a,4\n";
        Assert.That(
            () => Series(csv),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains("test.csv, line 5").And.Message.Contains("explicit step").And.Message.Not.Contains("--step "));
    }

    [TestCase(4, "repeats timestamp")]
    [TestCase(10, "goes back in time")]
    public void ReadSeriesInWholeSteps_RepeatedOrBackwardsTimestamp_ThrowsAsReadSeriesDoes(int extraMinute, string message)
    {
        // Snapping samples onto the file's own grid moved a repeated timestamp, or one going back in time, one tick past
        // the series' previous sample, so the file was read (the extra value summed into a step) instead of refused.
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var text = new StringBuilder("timestamp,series,value\n");
        for (var minute = 0; minute < 10; minute++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{start.AddMinutes(minute):yyyy-MM-ddTHH:mm:ssZ},a,1\n");
            if (minute == Math.Min(extraMinute, 9))
            {
                text.Append(CultureInfo.InvariantCulture, $"{start.AddMinutes(extraMinute == 10 ? 3 : minute):yyyy-MM-ddTHH:mm:ssZ},a,1\n");
            }
        }

        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "whole-steps-disorder-" + extraMinute + ".csv");
        File.WriteAllText(path, text.ToString());

        Assert.That(
            () => TraceCsv.ReadSeriesInWholeSteps(path, TimeSpan.FromMinutes(5), CancellationToken.None),
            Throws.InstanceOf<TraceFormatException>().With.Message.Contains(message).And.Message.Contains(path));
        Assert.That(() => TraceCsv.ReadSeries(path, TimeSpan.FromMinutes(5)), Throws.InstanceOf<TraceFormatException>().With.Message.Contains(message));
    }

    [Test]
    public void Resample_SumsWholeGroupsAndDropsPartialEnds()
    {
        var series = Series("timestamp,series,value\n2024-01-01T00:30:00Z,a,1\n2024-01-01T01:00:00Z,a,2\n2024-01-01T01:30:00Z,a,3\n2024-01-01T02:00:00Z,a,4\n");
        var hourly = SeriesResampler.Resample(series, TimeSpan.FromHours(1));
        Assert.That(hourly[0].RequestValues(), Is.EqualTo(new[] { 5.0 }));
        Assert.That(() => SeriesResampler.Resample(series, TimeSpan.FromMinutes(45)), Throws.ArgumentException.With.Message.Contains("whole multiple"));
    }

    [Test]
    public void Resample_StepOfMoreThanInt32MaxValueSourceSteps_DropsTheIncompleteGroup()
    {
        // 2^32 + 1 one-second steps per group: the count per group was cast to int (1), so a single bucket passed as a
        // whole group and came back as a bucket of 136 years holding one second's requests.
        var series = Series("timestamp,series,value\n2024-01-01T00:00:00Z,a,1\n", TimeSpan.FromSeconds(1));

        var resampled = SeriesResampler.Resample(series, TimeSpan.FromSeconds((1L << 32) + 1))[0];

        Assert.That(resampled.Buckets, Is.Empty);
    }

    [Test]
    public void Resample_SumsRequestsPerRegionToo()
    {
        // The region mix was dropped: every resampled bucket came back with no requests per region.
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var half = TimeSpan.FromMinutes(30);
        var buckets = new[]
        {
            new LoadBucket(start, 3, 1) { RegionRequests = new Dictionary<string, double> { ["eu"] = 3, ["us"] = 1 } },
            new LoadBucket(start + half, 2, 0) { RegionRequests = new Dictionary<string, double> { ["eu"] = 2 } },
            new LoadBucket(start + (2 * half), 5, 0),
            new LoadBucket(start + (3 * half), 1, 0),
        };

        var hourly = SeriesResampler.Resample([new PartitionLoadSeries(new PartitionId("p"), half, buckets)], TimeSpan.FromHours(1))[0];

        Assert.That(hourly.RequestValues(), Is.EqualTo(new[] { 6.0, 6.0 }));
        Assert.That(hourly.Buckets[0].RegionRequests, Is.EquivalentTo(new Dictionary<string, double> { ["eu"] = 5, ["us"] = 1 }));
        Assert.That(hourly.Buckets[1].RegionRequests, Is.Empty);
    }

    [Test]
    public void Resample_NullSeries_ThrowsNamingItsIndex()
    {
        var series = Series("timestamp,series,value\n2024-01-01T00:00:00Z,a,1\n2024-01-01T01:00:00Z,a,2\n");

        Assert.That(() => SeriesResampler.Resample([series[0], null!], TimeSpan.FromHours(2)), Throws.InstanceOf<ArgumentNullException>().With.Message.Contains("Series 1 is null").And.Property("ParamName").EqualTo("series"));
    }

    // The first column whose name was any of the accepted ones won: a key file that also carried a series (or name)
    // column before its key column was read by series, one with a value column before its count by value, and one with
    // date and time columns took its dates as the timestamps and summed each key's day into one step.
    [TestCase("timestamp,series,key,count\n2024-01-01T00:00:00Z,s,a,1\n2024-01-01T00:01:00Z,s,b,2\n", "a|b", "1,0|0,2")]
    [TestCase("timestamp,key,value,count\n2024-01-01T00:00:00Z,a,9,1\n2024-01-01T00:01:00Z,a,9,2\n", "a", "1,2")]
    [TestCase("date,timestamp,key,count\n2024-01-01,2024-01-01T00:00:00Z,a,1\n2024-01-01,2024-01-01T00:01:00Z,a,2\n", "a", "1,2")]
    public void ReadKeyTrace_HeaderWithTheDocumentedColumnAndAnAlias_ReadsTheDocumentedColumn(string csv, string keys, string counts)
    {
        var trace = TraceCsv.ReadKeyTrace(new StringReader(csv), null, "keys.csv");

        Assert.That(string.Join('|', trace.Keys.Select(k => k.ToString())), Is.EqualTo(keys));
        Assert.That(string.Join('|', Enumerable.Range(0, trace.Keys.Count).Select(k => string.Join(',', trace.CountsOf(k).ToArray()))), Is.EqualTo(counts));
    }

    [Test]
    public void ReadKeyTrace_DateAndTimeColumnsWithoutATimestamp_RefusesTheTimeOfDayInsteadOfReadingTheDates()
    {
        var csv = "date,time,key,count\n2024-01-01,00:00,a,1\n2024-01-01,00:01,a,2\n2024-01-02,00:00,a,3\n";

        Assert.That(() => TraceCsv.ReadKeyTrace(new StringReader(csv), null, "keys.csv"), Throws.InstanceOf<TraceFormatException>().With.Message.StartsWith("keys.csv, line 2: '00:00' is not an ISO-8601 timestamp"));
    }

    [Test]
    public void ReadSeries_HeaderWithTheDocumentedColumnAndAnAlias_ReadsTheDocumentedColumn()
    {
        var series = Series("timestamp,id,series,count,value\n2024-01-01T00:00:00Z,1,a,9,1\n2024-01-01T01:00:00Z,1,a,9,2\n");

        Assert.That(series.Select(s => s.Partition.Value), Is.EqualTo(new[] { "a" }));
        Assert.That(series[0].RequestValues(), Is.EqualTo(new[] { 1.0, 2.0 }));
    }

    [Test]
    public void ShippedTraces_ReadWithoutError()
    {
        var root = RepositoryRoot();
        var tweets = TraceCsv.ReadSeries(Path.Combine(root, "samples", "traces", "nab_tweets_hourly.csv"));
        Assert.That(tweets, Has.Count.EqualTo(4));
        Assert.That(tweets.All(s => s.Step == TimeSpan.FromHours(1) && s.Count > 1000), Is.True);
        var azure = TraceCsv.ReadKeyTrace(Path.Combine(root, "samples", "traces", "azure_functions_minute.csv"));
        Assert.That(azure.StepCount, Is.EqualTo(480));
        Assert.That(azure.Keys, Has.Count.GreaterThan(100));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PredictiveSharding.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }
}
