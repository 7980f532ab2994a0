namespace PredictiveSharding.Cli.Formats;

/// <summary>forecast.json: per partition, per resource, one array of quantile values per step.</summary>
internal sealed class ForecastDocument
{
    public double? StepSeconds { get; set; }

    public List<double>? Quantiles { get; set; }

    public string? Origin { get; set; }

    public Dictionary<string, Dictionary<string, List<List<double>>>>? Partitions { get; set; }
}
