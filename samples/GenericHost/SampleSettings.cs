namespace GenericHost;

/// <summary>The sample's own settings (section "Sample" of appsettings.json).</summary>
internal sealed class SampleSettings
{
    public int Nodes { get; set; } = 4;

    public int Partitions { get; set; } = 16;

    public int Keys { get; set; } = 10_000;

    public int RequestsPerSecond { get; set; } = 2_000;

    public int Seconds { get; set; } = 60;
}
