using System.Text;
using PredictiveSharding.Cli.Formats;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Keys;
using PredictiveSharding.Planning;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Cli.Tests;

/// <summary>cluster.json, forecast.json and plan.json: the issue's examples, round trips, and every bad value named.</summary>
[TestFixture]
public sealed class FormatsTests
{
    private const string ValidCluster = """
        {"nodes":[{"id":"n1","region":"eu","capacity":{"requests":5000,"diskBytes":1e12}},
                  {"id":"n2","region":"us","capacity":{"requests":4000,"diskBytes":1e12}}],
         "partitions":[{"id":"p1","start":"","end":"k","node":"n1","sizeBytes":1e9,"keySamples":[{"key":"a","weight":12.5}],"regionMix":{"eu":0.8}},
                       {"id":"p2","start":"k","end":null,"node":"n2","sizeBytes":2000,"keyCount":17}]}
        """;

    private const string ValidForecast = """
        {"stepSeconds":3600,"quantiles":[0.5,0.9,0.99],
         "partitions":{"p1":{"requests":[[410,520,700],[430,560,760]]},"p2":{"requests":[[10,20,30],[10,20,30]]}}}
        """;

    private static readonly DateTimeOffset Now = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    [Test]
    public void ClusterRead_OnTheIssueExample_ReadsEveryField()
    {
        var cluster = ReadCluster(ValidCluster);

        var p1 = cluster.GetPartition(new PartitionId("p1"));
        Assert.That(cluster.Nodes.Select(n => n.Id.Value), Is.EqualTo(new[] { "n1", "n2" }));
        Assert.That(cluster.GetNode(new NodeId("n1")).Capacity[ResourceKind.DiskBytes], Is.EqualTo(1e12));
        Assert.That(cluster.GetNode(new NodeId("n2")).Region, Is.EqualTo("us"));
        Assert.That(p1.Range, Is.EqualTo(KeyRange.FromStrings(string.Empty, "k")));
        Assert.That(p1.SizeBytes, Is.EqualTo(1_000_000_000));
        Assert.That(p1.KeySamples, Is.EqualTo(new[] { new KeySample(ShardKey.FromString("a"), 12.5) }));
        Assert.That(p1.RegionMix["eu"], Is.EqualTo(0.8));
        Assert.That(cluster.GetPartition(new PartitionId("p2")).Range.IsUnbounded, Is.True);
        Assert.That(cluster.GetPartition(new PartitionId("p2")).KeyCount, Is.EqualTo(17));
    }

    [Test]
    public void ForecastRead_OnTheIssueExample_ReadsEveryFieldAndDefaultsTheOrigin()
    {
        var forecast = ReadForecast(ValidForecast);

        Assert.That(forecast.Origin, Is.EqualTo(Now));
        Assert.That(forecast.Step, Is.EqualTo(TimeSpan.FromHours(1)));
        Assert.That(forecast.Quantiles, Is.EqualTo(new[] { 0.5, 0.9, 0.99 }));
        Assert.That(forecast.Horizon, Is.EqualTo(2));
        Assert.That(forecast.ValueAt(new PartitionId("p1"), ResourceKind.Requests, 1, 0.9), Is.EqualTo(560));
    }

    [Test]
    public void Cluster_WriteThenRead_GivesTheSameCluster()
    {
        var cluster = ReadCluster(ValidCluster);

        var again = ReadCluster(Write(s => ClusterJson.Write(cluster, s)));

        Assert.That(Describe(again), Is.EqualTo(Describe(cluster)));
    }

    [Test]
    public void Forecast_WriteThenRead_GivesTheSameForecast()
    {
        var forecast = ReadForecast(ValidForecast.Replace("\"stepSeconds\":3600", "\"origin\":\"2026-02-01T10:30:00+01:00\",\"stepSeconds\":900", StringComparison.Ordinal));

        var again = ReadForecast(Write(s => ForecastJson.Write(forecast, s)));

        Assert.That(again.Origin, Is.EqualTo(forecast.Origin));
        Assert.That(again.Step, Is.EqualTo(TimeSpan.FromMinutes(15)));
        Assert.That(again.Quantiles, Is.EqualTo(forecast.Quantiles));
        foreach (var (partition, resources) in forecast.Partitions)
        {
            for (var t = 0; t < forecast.Horizon; t++)
            {
                Assert.That(again.Partitions[partition][ResourceKind.Requests].AtStep(t).ToArray(), Is.EqualTo(resources[ResourceKind.Requests].AtStep(t).ToArray()));
            }
        }
    }

    [Test]
    public void Plan_ToJsonAndBack_KeepsEveryField()
    {
        var split = new SplitAction(new PartitionId("p1"), [ShardKey.FromString("f"), ShardKey.FromBytes([0x01, 0xFF])], [new PartitionId("p1.0"), new PartitionId("p1.1"), new PartitionId("p1.2")], "node n1 requests hot");
        var move = new MoveAction(new PartitionId("p1.1"), new NodeId("n1"), new NodeId("n3"), 100_000_000, Now.AddMinutes(58), TimeSpan.FromSeconds(2), "make room × 1.12 > 0.80");
        var merge = new MergeAction(new PartitionId("p7"), new PartitionId("p8"), new PartitionId("p7+p8"), "cold");
        var plan = new ShardingPlan(
            false,
            [split, merge, move],
            new UtilizationSummary(1.12, new NodeId("n1"), ResourceKind.Requests, 3),
            new UtilizationSummary(0.81, new NodeId("n3"), ResourceKind.Cpu, 4),
            100_000_000,
            TimeSpan.FromMilliseconds(450))
        {
            Shortfall = 0.25,
            Warnings = ["hot key 'x'"],
            StoppedAtTimeLimit = true,
        };

        var text = PlanJson.Serialize(PlanJson.ToDocument(plan));
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var back = PlanJson.Read(stream, "plan.json");

        Assert.That(text, Does.Contain("× 1.12 > 0.80"), "reasons stay legible, not \\u-escaped");
        Assert.That(back.Feasible, Is.False);
        Assert.That(back.Shortfall, Is.EqualTo(0.25));
        Assert.That(back.MovedBytes, Is.EqualTo(100_000_000));
        Assert.That(back.PlanMillis, Is.EqualTo(450));
        Assert.That(back.StoppedAtTimeLimit, Is.True);
        Assert.That(text, Does.Contain("\"stoppedAtTimeLimit\": true"), "the field has the camel-case name samples/plan/README.md documents");
        Assert.That(back.Warnings, Is.EqualTo(new[] { "hot key 'x'" }));
        Assert.That(back.Before!.MaxUtilization, Is.EqualTo(1.12));
        Assert.That(back.After!.Resource, Is.EqualTo("cpu"));
        Assert.That(back.After.Step, Is.EqualTo(4));
        Assert.That(back.Actions.Select(a => a.Type), Is.EqualTo(new[] { "split", "merge", "move" }));
        Assert.That(back.Actions[0].SplitKeys, Is.EqualTo(new[] { "f", "0x01FF" }));
        Assert.That(back.Actions[0].NewPartitions, Is.EqualTo(new[] { "p1.0", "p1.1", "p1.2" }));
        Assert.That(back.Actions[1].Partitions, Is.EqualTo(new[] { "p7", "p8" }));
        Assert.That(back.Actions[1].NewPartitions, Is.EqualTo(new[] { "p7+p8" }));
        Assert.That(back.Actions[2].Shard, Is.EqualTo("p1.1"));
        Assert.That(back.Actions[2].From, Is.EqualTo("n1"));
        Assert.That(back.Actions[2].To, Is.EqualTo("n3"));
        Assert.That(back.Actions[2].Bytes, Is.EqualTo(100_000_000));
        Assert.That(back.Actions[2].DurationSeconds, Is.EqualTo(2));
        Assert.That(back.Actions[2].StartBy, Is.EqualTo(Now.AddMinutes(58)));
        Assert.That(back.Actions[2].Reason, Is.EqualTo("make room × 1.12 > 0.80"));
        Assert.That(back.Actions[2].SplitKeys, Is.Null, "fields of other action types are left out");
    }

    [TestCase("\"requests\":5000", "\"requests\":0", "$.nodes[0].capacity.requests", "got 0")]
    [TestCase("\"requests\":4000", "\"requests\":-4000", "$.nodes[1].capacity.requests", "got -4000")]
    [TestCase("{\"id\":\"n2\"", "{\"id\":\"n1\"", "$.nodes[1].id", "'n1' appears more than once")]
    [TestCase("\"node\":\"n2\"", "\"node\":\"n9\"", "$.partitions[1].node", "'n9'")]
    [TestCase("\"sizeBytes\":1e9", "\"sizeBytes\":1.5", "$.partitions[0].sizeBytes", "got 1.5")]
    [TestCase("\"sizeBytes\":1e9", "\"sizeBytes\":-1e9", "$.partitions[0].sizeBytes", "got -1000000000")]
    [TestCase("\"sizeBytes\":1e9,", "", "$.partitions[0].sizeBytes", "required")]
    [TestCase("\"keyCount\":17", "\"keyCount\":-17", "$.partitions[1].keyCount", "got -17")]
    [TestCase("\"end\":\"k\"", "\"end\":\"\"", "$.partitions[0].end", "not after its start")]
    [TestCase("\"start\":\"k\"", "\"start\":\"m\"", "$.partitions", "Gap")]
    [TestCase("\"start\":\"\",", "", "$.partitions[0].start", "needs a start key")]
    [TestCase("\"key\":\"a\"", "\"key\":\"z\"", "$.partitions[0].keySamples[0].key", "'z' is outside")]
    [TestCase("\"weight\":12.5", "\"weight\":-2", "$.partitions[0].keySamples[0].weight", "got -2")]
    [TestCase("\"eu\":0.8", "\"eu\":1.8", "$.partitions[0].regionMix.eu", "got 1.8")]
    [TestCase("\"sizeBytes\":2000", "\"sizebytes\":2000", "$.partitions[1]", "sizebytes")]
    [TestCase("\"sizeBytes\":2000", "\"sizeBytes\":\"big\"", "$.partitions[1].sizeBytes", "not valid here")]
    [TestCase("\"keyCount\":17}]}", "\"keyCount\":17}]", "$", "line")]
    [TestCase("\"capacity\":{\"requests\":5000,", "\"capacity\":{\"requests\":5000,\"requests\":1,", "$.nodes[0].capacity.requests", "Duplicate")]
    public void ClusterRead_WhenAValueIsBad_NamesFilePathAndValue(string from, string to, string path, string detail)
    {
        var text = ValidCluster.Replace(from, to, StringComparison.Ordinal);
        Assert.That(text, Is.Not.EqualTo(ValidCluster), "the case must change the document");

        var ex = Assert.Throws<PlanFileException>(() => ReadCluster(text));

        Assert.That(ex!.File, Is.EqualTo("cluster.json"));
        Assert.That(ex.JsonPath, Does.StartWith(path));
        Assert.That(ex.Message, Does.StartWith("cluster.json: " + path).And.Contain(detail));
    }

    [TestCase("\"stepSeconds\":3600", "\"stepSeconds\":0", "$.stepSeconds", "got 0")]
    [TestCase("\"stepSeconds\":3600,", "", "$.stepSeconds", "got nothing")]
    [TestCase("[0.5,0.9,0.99]", "[0.9,0.5,0.99]", "$.quantiles[1]", "0.5 follows 0.9")]
    [TestCase("[0.5,0.9,0.99]", "[0.5,0.9,1.2]", "$.quantiles[2]", "got 1.2")]
    [TestCase("[0.5,0.9,0.99]", "[]", "$.quantiles", "at least one")]
    [TestCase("[430,560,760]", "[430,-560,760]", "$.partitions.p1.requests[1][1]", "got -560")]
    [TestCase("[430,560,760]", "[430,560,500]", "$.partitions.p1.requests[1][2]", "500 follows 560")]
    [TestCase("[430,560,760]", "[430,560]", "$.partitions.p1.requests[1]", "got 2")]
    [TestCase("[430,560,760]", "[430,NaN,760]", "$.partitions.p1.requests[1]", "not valid here")]
    [TestCase("[[10,20,30],[10,20,30]]", "[[10,20,30]]", "$.partitions.p2.requests", "has 1 steps")]
    [TestCase("\"stepSeconds\":3600", "\"origin\":\"yesterday\",\"stepSeconds\":3600", "$.origin", "'yesterday'")]
    [TestCase("\"stepSeconds\":3600", "\"origin\":\"01/02/2026\",\"stepSeconds\":3600", "$.origin", "'01/02/2026'")]
    [TestCase("\"stepSeconds\":3600", "\"origin\":\"Jan 2 2026 08:00\",\"stepSeconds\":3600", "$.origin", "'Jan 2 2026 08:00'")]
    [TestCase(",\"p2\":{\"requests\":[[10,20,30],[10,20,30]]}}}", ",\"p2\":{\"requests\":[[10,20,30],[10,20,30]]},\"p2\":{\"requests\":[[1,2,3],[1,2,3]]}}}", "$.partitions.p2", "Duplicate")]
    [TestCase("{\"requests\":[[10,20,30],[10,20,30]]}}}", "{\"requests\":[[10,20,30],[10,20,30]],\"requests\":[[1,2,3],[1,2,3]]}}}", "$.partitions.p2.requests", "Duplicate")]
    [TestCase("\"stepSeconds\":3600", "\"stepSeconds\":3600,\"stepSeconds\":60", "$.stepSeconds", "Duplicate")]
    [TestCase("\"stepSeconds\":3600", "\"stepSeconds\":1e-9", "$.stepSeconds", "got 1E-09")]
    [TestCase("\"stepSeconds\":3600", "\"origin\":\"9999-12-31T23:00:00Z\",\"stepSeconds\":3600", "$.origin", "'9999-12-31T23:00:00Z'")]
    public void ForecastRead_WhenAValueIsBad_NamesFilePathAndValue(string from, string to, string path, string detail)
    {
        var text = ValidForecast.Replace(from, to, StringComparison.Ordinal);
        Assert.That(text, Is.Not.EqualTo(ValidForecast), "the case must change the document");

        var ex = Assert.Throws<PlanFileException>(() => ReadForecast(text));

        Assert.That(ex!.File, Is.EqualTo("forecast.json"));
        Assert.That(ex.JsonPath, Does.StartWith(path));
        Assert.That(ex.Message, Does.StartWith("forecast.json: " + path).And.Contain(detail));
    }

    [Test]
    public void Read_WhenTheClusterOrTheForecastIsEmpty_SaysSo()
    {
        var cluster = Assert.Throws<PlanFileException>(() => ReadCluster("{\"nodes\":[],\"partitions\":[]}"));
        var forecast = Assert.Throws<PlanFileException>(() => ReadForecast("{\"stepSeconds\":60,\"quantiles\":[0.5],\"partitions\":{}}"));
        var nothing = Assert.Throws<PlanFileException>(() => ReadCluster("null"));

        Assert.That(cluster!.Message, Is.EqualTo("cluster.json: $.nodes: at least one node is needed; the cluster is empty."));
        Assert.That(forecast!.Message, Is.EqualTo("forecast.json: $.partitions: at least one partition's forecast is needed."));
        Assert.That(nothing!.JsonPath, Is.EqualTo("$"));
    }

    [TestCase("\"p2\":{", "\"p3\":{", "$.partitions.p3", "not in cluster.json")]
    [TestCase(",\"p2\":{\"requests\":[[10,20,30],[10,20,30]]}", "", "$.partitions", "'p2' of cluster.json has no forecast")]
    [TestCase("\"p2\":{\"requests\"", "\"p2\":{\"cpu\":[[1,2,3],[1,2,3]],\"requests\"", "$.partitions.p2.cpu", "no capacity on node 'n1'")]
    public void CheckAgainst_WhenTheFilesDisagree_NamesTheForecastPath(string from, string to, string path, string detail)
    {
        var cluster = ReadCluster(ValidCluster);
        var forecast = ReadForecast(ValidForecast.Replace(from, to, StringComparison.Ordinal));

        var ex = Assert.Throws<PlanFileException>(() => ForecastJson.CheckAgainst(forecast, "forecast.json", cluster, "cluster.json"));

        Assert.That(ex!.JsonPath, Is.EqualTo(path));
        Assert.That(ex.Message, Does.Contain(detail));
    }

    private static ClusterSnapshot ReadCluster(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return ClusterJson.Read(stream, "cluster.json");
    }

    private static LoadForecast ReadForecast(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return ForecastJson.Read(stream, "forecast.json", Now);
    }

    private static string Write(Action<Stream> write)
    {
        using var stream = new MemoryStream();
        write(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Describe(ClusterSnapshot cluster)
    {
        var text = new StringBuilder();
        foreach (var n in cluster.Nodes)
        {
            text.Append(n.Id).Append(' ').Append(n.Region).Append(' ').AppendJoin(',', n.Capacity.OrderBy(c => c.Key.Name, StringComparer.Ordinal).Select(c => c.Key + "=" + c.Value)).Append('\n');
        }

        foreach (var p in cluster.Partitions)
        {
            text.Append(p.Id).Append(' ').Append(p.Range).Append(' ').Append(p.Node).Append(' ').Append(p.SizeBytes).Append(' ').Append(p.KeyCount).Append(' ')
                .AppendJoin(',', p.KeySamples.Select(s => s.Key + ":" + s.Weight)).Append(' ')
                .AppendJoin(',', p.RegionMix.Select(m => m.Key + ":" + m.Value)).Append('\n');
        }

        return text.ToString();
    }
}
