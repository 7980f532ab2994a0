using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Forecasting.Persistence;

/// <summary>
/// The LSTM model file: an 8-byte magic <c>PSLSTM\r\n</c>, a little-endian int32 format version, an int64 payload
/// length, the payload (settings, feature layout and normalisation, parameters, quantile calibration offsets), and the XxHash64 of the payload.
/// Readers refuse other magics and versions, short files and checksum mismatches before parsing anything.
/// </summary>
internal static class LstmModelSerializer
{
    // Version 2 added the quantile calibration (the option and the per-level offsets); version 3 made the offsets per
    // horizon step and relative to the network's spread, and added the weight-averaging option. Older files are refused
    // (their offsets mean something else), with a message saying to retrain. Version 4 added the training range of each
    // standardised feature, which forecasting clamps static covariates to. Version 5 scales each window by its last
    // season's mean rather than the whole context's (LstmFeatureSpec.ScaleWindow): same layout, but a version 4
    // network read its inputs on another scale; it also holds the adaptive calibration rate.
    // Version 6 adds the seasonal-median head inputs (LstmForecasterOptions.SeasonalMedianSeasons). Version 7 adds
    // LstmForecasterOptions.SeasonalProfileSeasons; a version 6 file is read with it off, which is what it was trained with.
    public const int FormatVersion = 7;

    /// <summary>The oldest format version still read: version 6, whose models mean the same with the profile option off.</summary>
    public const int OldestReadableVersion = 6;
    private const int HeaderLength = 8 + 4 + 8;
    private const int ChecksumLength = 8;
    private static readonly byte[] Magic = "PSLSTM\r\n"u8.ToArray();

    public static void Write(LstmModel model, Stream destination) => Write(model, destination, FormatVersion);

    /// <summary>
    /// Writes in <paramref name="formatVersion"/>'s layout: the current one, or version 6 for a model that does not use
    /// what version 7 added (so tests can show that older files still load).
    /// </summary>
    internal static void Write(LstmModel model, Stream destination, int formatVersion)
    {
        if (formatVersion is < OldestReadableVersion or > FormatVersion)
        {
            throw new ArgumentOutOfRangeException(nameof(formatVersion), formatVersion, string.Create(CultureInfo.InvariantCulture, $"Only format versions {OldestReadableVersion} to {FormatVersion} can be written; got {formatVersion}."));
        }

        if (formatVersion < 7 && model.Options.SeasonalProfileSeasons != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Format version {formatVersion} cannot hold SeasonalProfileSeasons {model.Options.SeasonalProfileSeasons}."), nameof(formatVersion));
        }

        using var payload = new MemoryStream();
        using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            var o = model.Options;
            w.Write(o.Layers);
            w.Write(o.HiddenSize);
            w.Write(o.ContextLength);
            w.Write(o.Horizon);
            w.Write(o.Quantiles.Count);
            foreach (var q in o.Quantiles)
            {
                w.Write(q);
            }

            w.Write(o.SeasonalLags is not null);
            if (o.SeasonalLags is not null)
            {
                w.Write(o.SeasonalLags.Count);
                foreach (var lag in o.SeasonalLags)
                {
                    w.Write(lag);
                }
            }

            w.Write(o.MaxRegions);
            w.Write(o.LearningRate);
            w.Write(o.Epochs);
            w.Write(o.WindowsPerEpoch);
            w.Write(o.BatchSize);
            w.Write(o.ValidationFraction);
            w.Write(o.EarlyStoppingPatience);
            w.Write(o.GradientClipNorm);
            w.Write(o.Seed);
            w.Write(o.DegreeOfParallelism);
            w.Write(o.UpdateEpochs);
            w.Write(o.CalibrateQuantiles);
            w.Write(o.WeightAveraging);
            w.Write(o.AdaptiveCalibrationRate);
            w.Write(o.SeasonalMedianSeasons);
            if (formatVersion >= 7)
            {
                w.Write(o.SeasonalProfileSeasons);
            }

            var s = model.Spec;
            w.Write(s.Step.Ticks);
            w.Write(s.Lags.Length);
            foreach (var lag in s.Lags)
            {
                w.Write(lag);
            }

            w.Write(s.Regions.Length);
            foreach (var region in s.Regions)
            {
                w.Write(region);
            }

            foreach (var stat in s.Statistics)
            {
                w.Write(stat);
            }

            var p = model.Network.Parameters;
            w.Write(model.Network.InputSize);
            w.Write(p.Length);
            foreach (var v in p)
            {
                w.Write(v);
            }

            w.Write(model.Calibration.Length);
            foreach (var v in model.Calibration)
            {
                w.Write(v);
            }
        }

        var bytes = payload.GetBuffer().AsSpan(0, (int)payload.Length);
        Span<byte> header = stackalloc byte[HeaderLength];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], formatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header[12..], bytes.Length);
        destination.Write(header);
        destination.Write(bytes);
        Span<byte> checksum = stackalloc byte[ChecksumLength];
        BinaryPrimitives.WriteUInt64LittleEndian(checksum, XxHash64.HashToUInt64(bytes));
        destination.Write(checksum);
    }

    public static LstmModel Read(Stream source)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        var got = ReadFully(source, header);
        if (got < 8 || !header[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a PredictiveSharding LSTM model: the file does not start with the magic 'PSLSTM\\r\\n'.");
        }

        if (got < HeaderLength)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The LSTM model file is truncated: its header needs {HeaderLength} bytes, only {got} are present."));
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (version is < OldestReadableVersion or > FormatVersion)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The LSTM model file has format version {version}; this library reads versions {OldestReadableVersion} to {FormatVersion} only. Retrain the model (FitAsync) and save it again."));
        }

        var length = BinaryPrimitives.ReadInt64LittleEndian(header[12..]);
        if (length < 0 || length > Array.MaxLength - ChecksumLength)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The LSTM model file declares an impossible payload length of {length} bytes."));
        }

        if (source.CanSeek && source.Length - source.Position < length + ChecksumLength)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The LSTM model file is truncated: {length} payload bytes and an {ChecksumLength}-byte checksum expected, {source.Length - source.Position} present."));
        }

        // A stream that cannot say how much it holds is read as its bytes arrive, so a damaged length field (the header
        // is not under the checksum) reports a truncated file instead of allocating up to 2 GB first.
        var expected = (int)length + ChecksumLength;
        var payload = source.CanSeek ? new byte[expected] : [];
        var read = source.CanSeek ? ReadFully(source, payload) : ReadIncrementally(source, expected, out payload);
        if (read < expected)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The LSTM model file is truncated: {length} payload bytes and an {ChecksumLength}-byte checksum expected, {read} present."));
        }

        var body = payload.AsSpan(0, (int)length);
        var stored = BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan((int)length));
        var computed = XxHash64.HashToUInt64(body);
        if (stored != computed)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The LSTM model file is corrupted: its XxHash64 checksum is {stored:x16} but the content hashes to {computed:x16}."));
        }

        try
        {
            return Parse(payload, (int)length, version);
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentException or IOException)
        {
            throw new InvalidDataException("The LSTM model file passed its checksum but its content is inconsistent: " + ex.Message, ex);
        }
    }

    private static LstmModel Parse(byte[] payload, int length, int version)
    {
        using var r = new BinaryReader(new MemoryStream(payload, 0, length, writable: false), Encoding.UTF8);
        var o = new LstmForecasterOptions
        {
            Layers = r.ReadInt32(),
            HiddenSize = r.ReadInt32(),
            ContextLength = r.ReadInt32(),
            Horizon = r.ReadInt32(),
        };
        o.Quantiles = ReadArray(r, r.ReadDouble, LstmForecasterOptions.MaxListLength, "quantiles");
        if (r.ReadBoolean())
        {
            o.SeasonalLags = ReadArray(r, r.ReadInt32, LstmForecasterOptions.MaxListLength, "seasonal lags");
        }

        o.MaxRegions = r.ReadInt32();
        o.LearningRate = r.ReadDouble();
        o.Epochs = r.ReadInt32();
        o.WindowsPerEpoch = r.ReadInt32();
        o.BatchSize = r.ReadInt32();
        o.ValidationFraction = r.ReadDouble();
        o.EarlyStoppingPatience = r.ReadInt32();
        o.GradientClipNorm = r.ReadDouble();
        o.Seed = r.ReadInt32();
        o.DegreeOfParallelism = Math.Clamp(r.ReadInt32(), 1, 1024);
        o.UpdateEpochs = r.ReadInt32();
        o.CalibrateQuantiles = r.ReadBoolean();
        o.WeightAveraging = r.ReadBoolean();
        o.AdaptiveCalibrationRate = r.ReadDouble();
        o.SeasonalMedianSeasons = r.ReadInt32();
        o.SeasonalProfileSeasons = version >= 7 ? r.ReadInt32() : 0;
        o.Validate();

        var step = TimeSpan.FromTicks(r.ReadInt64());
        if (step <= TimeSpan.Zero)
        {
            throw new ArgumentException($"step {step} is not positive");
        }

        var lags = ReadArray(r, r.ReadInt32, LstmForecasterOptions.MaxListLength, "lags");

        // A fit takes its lags from the options and the step, nothing else; any others can only come from a damaged file,
        // and forecasting trusts them as indices (a lag of 0 never steps back to a known value and loops for ever).
        var expectedLags = LstmFeatureSpec.ResolveLags(o.SeasonalLags, step);
        if (!lags.AsSpan().SequenceEqual(expectedLags))
        {
            throw new ArgumentException($"lags [{string.Join(", ", lags)}] are not those the options and step {step} give ([{string.Join(", ", expectedLags)}])");
        }

        var regions = ReadArray(r, r.ReadString, 64, "regions");
        var stats = new float[LstmFeatureSpec.StatisticsLength];
        for (var i = 0; i < stats.Length; i++)
        {
            stats[i] = r.ReadSingle();
        }

        const int n = LstmFeatureSpec.StandardisedCount;
        for (var f = 0; f < n; f++)
        {
            // A fit writes a finite mean and a deviation above 1e-6 (1 for a feature that never varied); forecasting
            // divides by the deviation, so anything else would reach the network as NaN or an infinity.
            if (!float.IsFinite(stats[f]) || !(stats[n + f] > 0) || !float.IsFinite(stats[n + f]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"feature {f}'s normalisation mean {stats[f]} and deviation {stats[n + f]} are not a finite mean and a positive, finite deviation"));
            }

            // Forecasting clamps to [min, max]; a reversed or NaN range can only come from a damaged file.
            if (!(stats[(2 * n) + f] <= stats[(3 * n) + f]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"feature {f}'s training range [{stats[(2 * n) + f]}, {stats[(3 * n) + f]}] is empty"));
            }
        }

        var spec = new LstmFeatureSpec(step, o.ContextLength, o.Horizon, lags, regions, stats, o.SeasonalMedianSeasons, o.SeasonalProfileSeasons);
        var inputSize = r.ReadInt32();
        if (inputSize != spec.InputSize)
        {
            throw new ArgumentException($"input size {inputSize} does not match the feature layout's {spec.InputSize}");
        }

        // The options fix the network's size; a file that cannot hold that many parameters is refused before they are
        // allocated (a few hundred damaged or hostile bytes could otherwise declare gigabytes, or more than an array holds).
        var declared = LstmModel.ParameterCount(o, spec);
        var remaining = length - r.BaseStream.Position;
        if (declared > remaining / sizeof(float))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the options declare a network of {declared:N0} parameters, but only {remaining:N0} bytes of the file remain to hold them"));
        }

        var network = LstmModel.CreateNetwork(o, spec);
        var count = r.ReadInt32();
        if (count != network.Parameters.Length)
        {
            throw new ArgumentException($"{count} parameters stored, the architecture has {network.Parameters.Length}");
        }

        for (var i = 0; i < count; i++)
        {
            var v = r.ReadSingle();
            if (!float.IsFinite(v))
            {
                throw new ArgumentException($"parameter {i} is {v}");
            }

            network.Parameters[i] = v;
        }

        var calibration = ReadArray(r, r.ReadSingle, network.HeadOutputSize, "calibration offsets");
        if (calibration.Length != network.HeadOutputSize || !calibration.All(float.IsFinite))
        {
            throw new ArgumentException($"{calibration.Length} calibration offsets stored for {o.Horizon} steps × {o.Quantiles.Count} quantile levels, or one is not finite");
        }

        if (r.BaseStream.Position != length)
        {
            throw new ArgumentException($"{length - r.BaseStream.Position} unexpected bytes after the parameters");
        }

        return new LstmModel(o, spec, network, calibration);
    }

    private static T[] ReadArray<T>(BinaryReader reader, Func<T> read, int max, string what)
    {
        var n = reader.ReadInt32();
        if (n < 0 || n > max)
        {
            throw new ArgumentException($"{what} count {n} is outside 0..{max}");
        }

        var values = new T[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = read();
        }

        return values;
    }

    private static int ReadIncrementally(Stream source, int expected, out byte[] payload)
    {
        using var received = new MemoryStream();
        var buffer = new byte[81_920];
        while (received.Length < expected)
        {
            var n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, expected - received.Length));
            if (n == 0)
            {
                break;
            }

            received.Write(buffer, 0, n);
        }

        payload = received.ToArray();
        return payload.Length;
    }

    private static int ReadFully(Stream source, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = source.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
