namespace PredictiveSharding.Redis.Tests.Migration;

/// <summary>
/// What the executor tests over canned <c>CLUSTER NODES</c> answers share: the masters' node ids and a fresh folder per
/// test for the journal.
/// </summary>
public abstract class CannedClusterTests
{
    protected const string A = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca";
    protected const string B = "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1";
    protected const string C = "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f";

    /// <summary>This test's folder, deleted after it.</summary>
    protected string Folder { get; private set; } = null!;

    [SetUp]
    public void CreateFolder() => Folder = Directory.CreateTempSubdirectory("psharding-redis-" + GetType().Name + "-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(Folder, recursive: true);
}
