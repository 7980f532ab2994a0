namespace PredictiveSharding.Cli.Formats;

/// <summary>plan.json: the peak utilisation of a placement and where it is.</summary>
internal sealed class UtilizationDocument
{
    public double MaxUtilization { get; set; }

    public string? Node { get; set; }

    public string? Resource { get; set; }

    public int Step { get; set; }
}
