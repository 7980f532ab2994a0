namespace PredictiveSharding.Cli.Formats;

/// <summary>A bad value in cluster.json or forecast.json: names the file, the JSON path and the value.</summary>
internal sealed class PlanFileException : Exception
{
    public PlanFileException(string file, string jsonPath, string problem, Exception? inner = null)
        : base($"{file}: {jsonPath}: {problem}", inner)
    {
        File = file;
        JsonPath = jsonPath;
    }

    public PlanFileException()
    {
        File = string.Empty;
        JsonPath = string.Empty;
    }

    public PlanFileException(string message)
        : base(message)
    {
        File = string.Empty;
        JsonPath = string.Empty;
    }

    public PlanFileException(string message, Exception inner)
        : base(message, inner)
    {
        File = string.Empty;
        JsonPath = string.Empty;
    }

    /// <summary>The file (as given on the command line).</summary>
    public string File { get; }

    /// <summary>Where in the file, as a JSON path (<c>$.partitions[3].sizeBytes</c>).</summary>
    public string JsonPath { get; }
}
