namespace GenericHost;

/// <summary>The sample's own settings (section "Sample" of appsettings.json).</summary>
internal sealed class SampleSettings
{
    public int Nodes { get; set; } = 4;

    public int Partitions { get; set; } = 16;

    public int Keys { get; set; } = 10_000;

    public int RequestsPerSecond { get; set; } = 2_000;

    public int Seconds { get; set; } = 60;

    /// <summary>Throws an <see cref="InvalidOperationException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        Check(Nodes >= 1, nameof(Nodes), Nodes, "at least 1");
        Check(Partitions >= 1, nameof(Partitions), Partitions, "at least 1");
        Check(Keys >= Partitions, nameof(Keys), Keys, $"at least Sample:Partitions ({Partitions})");
        Check(RequestsPerSecond >= 1, nameof(RequestsPerSecond), RequestsPerSecond, "at least 1");
        Check(Seconds >= 1, nameof(Seconds), Seconds, "at least 1");
    }

    private static void Check(bool ok, string name, int value, string expected)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"Sample:{name} must be {expected}; got {value}.");
        }
    }
}
