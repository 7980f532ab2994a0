namespace PredictiveSharding.Cli.Tests;

/// <summary>A fixture whose tests write their input files into one temporary folder, removed when the fixture ends.</summary>
public abstract class TempFolderFixture
{
    /// <summary>The fixture's temporary folder.</summary>
    protected string Folder { get; private set; } = string.Empty;

    [OneTimeSetUp]
    public void CreateFolder() => Folder = Directory.CreateTempSubdirectory("psharding-cli-tests-").FullName;

    [OneTimeTearDown]
    public void DeleteFolder() => Directory.Delete(Folder, recursive: true);
}
