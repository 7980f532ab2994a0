namespace PredictiveSharding.Topology;

/// <summary>
/// A resource a node has a capacity of and a partition's load uses, named as in <c>cluster.json</c> and
/// <c>forecast.json</c> (<c>requests</c>, <c>cpu</c>, <c>memoryBytes</c>, <c>diskBytes</c>, <c>ioBytes</c>, <c>networkBytes</c>,
/// or any name a host chooses).
/// </summary>
public readonly record struct ResourceKind
{
    /// <summary>Creates a resource kind.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space.</exception>
    public ResourceKind(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException($"A resource name must not be empty; got '{name}'.", nameof(name));
        }

        Name = name;
    }

    /// <summary>Requests per second (or per time step, as the host measures them).</summary>
    public static ResourceKind Requests { get; } = new("requests");

    /// <summary>CPU, in cores (or any unit the host uses consistently for capacity and load).</summary>
    public static ResourceKind Cpu { get; } = new("cpu");

    /// <summary>Memory in bytes.</summary>
    public static ResourceKind MemoryBytes { get; } = new("memoryBytes");

    /// <summary>Stored data in bytes; a partition's size uses this resource.</summary>
    public static ResourceKind DiskBytes { get; } = new("diskBytes");

    /// <summary>Storage I/O in bytes per second.</summary>
    public static ResourceKind IoBytes { get; } = new("ioBytes");

    /// <summary>Network traffic in bytes per second.</summary>
    public static ResourceKind NetworkBytes { get; } = new("networkBytes");

    /// <summary>The resource's name.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public override string ToString() => Name ?? string.Empty;
}
