using System.Buffers.Binary;
using System.Reflection;
using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Forecasting.Onnx;

/// <summary>
/// Writes a trained <see cref="LstmModel"/> as an ONNX <c>ModelProto</c> (opset 17, IR version 8). Each layer is the
/// standard <c>LSTM</c> operator (W <c>[1, 4H, input]</c>, R <c>[1, 4H, H]</c>, B <c>[1, 8H]</c> = input bias then a zero
/// recurrent bias; gate order i, o, f, c, which is also ours), layers joined by <c>Squeeze</c>; then the head
/// (<c>Concat</c> with the future lags, <c>MatMul</c>, <c>Add</c>), the monotone transform (<c>Slice</c>,
/// <c>Softplus</c>, <c>CumSum</c>, <c>Add</c>, <c>Concat</c>) the calibration offsets when the model has them (<c>Add</c>, then <c>Slice</c>, <c>Max</c>, <c>Concat</c>
/// for the running maximum) and the rescale (<c>Mul</c>, <c>Relu</c>).
/// Field numbers are those of onnx/onnx.proto3 (messages ModelProto, GraphProto, NodeProto, AttributeProto,
/// TensorProto, ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto).
/// </summary>
internal static class LstmOnnxExporter
{
    public const int Opset = 17;
    private const long IrVersion = 8;
    private const int FloatType = 1;
    private const int Int64Type = 7;
    private const int AttributeInt = 2;

    public static void Write(LstmModel model, Stream destination)
    {
        var net = model.Network;
        var h = net.HiddenSize;
        var g = net.GateWidth;
        var context = model.Spec.ContextLength;
        var p = net.Parameters;
        using var graph = new ProtoMessage();
        var nodes = new List<ProtoMessage>();
        var initializers = new List<ProtoMessage>();

        initializers.Add(Int64Tensor("axes_0", [1], [0]));
        initializers.Add(Int64Tensor("axes_1", [1], [1]));
        var current = "x";
        for (var l = 0; l < net.Layers; l++)
        {
            var inl = net.LayerInputSize(l);
            var wo = net.WeightOffset(l);
            var w = new float[g * inl];
            var r = new float[g * h];
            var b = new float[2 * g];
            for (var gate = 0; gate < g; gate++)
            {
                for (var k = 0; k < inl; k++)
                {
                    w[(gate * inl) + k] = p[wo + (k * g) + gate];
                }

                for (var k = 0; k < h; k++)
                {
                    r[(gate * h) + k] = p[wo + ((inl + k) * g) + gate];
                }

                b[gate] = p[net.BiasOffset(l) + gate];
            }

            initializers.Add(FloatTensor($"W{l}", [1, g, inl], w));
            initializers.Add(FloatTensor($"R{l}", [1, g, h], r));
            initializers.Add(FloatTensor($"B{l}", [1, 2 * g], b));
            var top = l == net.Layers - 1;
            string[] outputs = top ? ["", "Yh"] : [$"Y{l}"];
            nodes.Add(Node("LSTM", $"lstm{l}", [current, $"W{l}", $"R{l}", $"B{l}"], outputs, IntAttribute("hidden_size", h)));
            if (!top)
            {
                nodes.Add(Node("Squeeze", $"squeeze{l}", [$"Y{l}", "axes_1"], [$"X{l + 1}"]));
                current = $"X{l + 1}";
            }
        }

        nodes.Add(Node("Squeeze", "squeeze_last", ["Yh", "axes_0"], ["h_last"]));
        var headIn = "h_last";
        if (net.FutureSize > 0)
        {
            nodes.Add(Node("Concat", "head_concat", ["h_last", "future"], ["head_in"], IntAttribute("axis", 1)));
            headIn = "head_in";
        }

        var hi = net.HeadInputSize;
        var ho = net.HeadOutputSize;
        initializers.Add(FloatTensor("head_W", [hi, ho], p.AsSpan(net.HeadWeightOffset, hi * ho).ToArray()));
        initializers.Add(FloatTensor("head_b", [ho], p.AsSpan(net.HeadBiasOffset, ho).ToArray()));
        nodes.Add(Node("MatMul", "head_matmul", [headIn, "head_W"], ["head_mm"]));
        nodes.Add(Node("Add", "head_bias", ["head_mm", "head_b"], ["z"]));

        var quantiles = net.QuantileCount;
        initializers.Add(Int64Tensor("shape3", [3], [0, net.Horizon, quantiles]));
        initializers.Add(Int64Tensor("shape2", [2], [0, ho]));
        nodes.Add(Node("Reshape", "to_steps", ["z", "shape3"], ["z3"]));
        var q3 = "base";
        initializers.Add(Int64Tensor("slice_axis", [1], [2]));
        initializers.Add(Int64Tensor("slice_0", [1], [0]));
        initializers.Add(Int64Tensor("slice_1", [1], [1]));
        nodes.Add(Node("Slice", "base_slice", ["z3", "slice_0", "slice_1", "slice_axis"], ["base"]));
        if (quantiles > 1)
        {
            initializers.Add(Int64Tensor("slice_q", [1], [quantiles]));
            initializers.Add(Int64Tensor("cumsum_axis", [], [2]));
            nodes.Add(Node("Slice", "increment_slice", ["z3", "slice_1", "slice_q", "slice_axis"], ["raw_increments"]));
            nodes.Add(Node("Softplus", "increments", ["raw_increments"], ["increments"]));
            nodes.Add(Node("CumSum", "cumulative", ["increments", "cumsum_axis"], ["cumulative"]));
            nodes.Add(Node("Add", "upper", ["base", "cumulative"], ["upper"]));
            nodes.Add(Node("Concat", "monotone", ["base", "upper"], ["q3"], IntAttribute("axis", 2)));
            q3 = "q3";
        }

        if (model.IsCalibrated)
        {
            q3 = AddCalibration(model, q3, nodes, initializers);
        }

        nodes.Add(Node("Reshape", "flatten", [q3, "shape2"], ["q_scaled"]));
        nodes.Add(Node("Mul", "rescale", ["q_scaled", "scale"], ["q_load"]));
        nodes.Add(Node("Relu", "non_negative", ["q_load"], ["quantiles"]));

        foreach (var node in nodes)
        {
            graph.Message(1, node);
        }

        graph.String(2, "psharding_lstm");
        foreach (var tensor in initializers)
        {
            graph.Message(5, tensor);
        }

        graph.String(10, "PredictiveSharding LSTM load forecaster: inputs are assembled and scaled features; output is load quantiles, step-major.");
        graph.Message(11, ValueInfo("x", [context.ToString(System.Globalization.CultureInfo.InvariantCulture), "batch", net.InputSize.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        if (net.FutureSize > 0)
        {
            graph.Message(11, ValueInfo("future", ["batch", net.FutureSize.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        }

        graph.Message(11, ValueInfo("scale", ["batch", "1"]));
        graph.Message(12, ValueInfo("quantiles", ["batch", ho.ToString(System.Globalization.CultureInfo.InvariantCulture)]));

        using var opset = new ProtoMessage();
        opset.String(1, string.Empty).Int64(2, Opset);
        using var modelProto = new ProtoMessage();
        modelProto.Int64(1, IrVersion)
            .String(2, "PredictiveSharding.Forecasting")
            .String(3, typeof(LstmOnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0")
            .Message(7, graph)
            .Message(8, opset);
        destination.Write(modelProto.ToArray());
        foreach (var m in nodes.Concat(initializers))
        {
            m.Dispose();
        }
    }

    // The offsets per step and level times each step's spread (QuantileCalibration.Width: highest minus lowest level,
    // floored; Slice, Sub, Max, Mul, Add), then monotonicity restored outwards from the median (Slice, Max, Min, Concat)
    // so the levels cannot cross and the median stays as trained: QuantileCalibration.Apply in graph form.
    private static string AddCalibration(LstmModel model, string q3, List<ProtoMessage> nodes, List<ProtoMessage> initializers)
    {
        var quantiles = model.Network.QuantileCount;
        initializers.Add(FloatTensor("calibration", [model.Network.Horizon, quantiles], model.Calibration.ToArray()));
        initializers.Add(FloatTensor("width_floor", [], [QuantileCalibration.WidthFloor]));
        initializers.Add(Int64Tensor("last_level", [1], [quantiles - 1]));
        initializers.Add(Int64Tensor("level_end", [1], [quantiles]));
        nodes.Add(Node("Slice", "lowest_level", [q3, "slice_0", "slice_1", "slice_axis"], ["lowest"]));
        nodes.Add(Node("Slice", "highest_level", [q3, "last_level", "level_end", "slice_axis"], ["highest"]));
        nodes.Add(Node("Sub", "spread", ["highest", "lowest"], ["spread_raw"]));
        nodes.Add(Node("Max", "spread_floor", ["spread_raw", "width_floor"], ["spread"]));
        nodes.Add(Node("Mul", "scaled_offsets", ["spread", "calibration"], ["offsets"]));
        nodes.Add(Node("Add", "calibrate", [q3, "offsets"], ["q3_shifted"]));
        if (quantiles == 1)
        {
            return "q3_shifted";
        }

        var levels = new string[quantiles];
        for (var k = 0; k < quantiles; k++)
        {
            var lo = k == 0 ? "slice_0" : k == 1 ? "slice_1" : $"level_{k}";
            if (k >= 2)
            {
                initializers.Add(Int64Tensor(lo, [1], [k]));
            }

            var hi = k == 0 ? "slice_1" : k + 1 == quantiles ? "slice_q" : $"level_{k + 1}";
            levels[k] = $"shifted_{k}";
            nodes.Add(Node("Slice", $"level_slice_{k}", ["q3_shifted", lo, hi, "slice_axis"], [levels[k]]));
        }

        // Outwards from the median, which has no offset (Max upwards, Min downwards), as QuantileCalibration.Apply does;
        // a running maximum from the lowest level when there is no median level.
        var median = Array.FindIndex(model.Levels, AdaptiveCalibration.IsMedian);
        for (var k = Math.Max(median, 0) + 1; k < quantiles; k++)
        {
            var monotone = $"monotone_{k}";
            nodes.Add(Node("Max", $"running_max_{k}", [levels[k], levels[k - 1]], [monotone]));
            levels[k] = monotone;
        }

        for (var k = median - 1; k >= 0; k--)
        {
            var monotone = $"monotone_{k}";
            nodes.Add(Node("Min", $"running_min_{k}", [levels[k], levels[k + 1]], [monotone]));
            levels[k] = monotone;
        }

        nodes.Add(Node("Concat", "calibrated", levels, ["q3_calibrated"], IntAttribute("axis", 2)));
        return "q3_calibrated";
    }

    private static ProtoMessage Node(string op, string name, string[] inputs, string[] outputs, ProtoMessage? attribute = null)
    {
        var node = new ProtoMessage();
        foreach (var input in inputs)
        {
            node.String(1, input);
        }

        foreach (var output in outputs)
        {
            node.String(2, output);
        }

        node.String(3, name).String(4, op);
        if (attribute is not null)
        {
            node.Message(5, attribute);
            attribute.Dispose();
        }

        return node;
    }

    private static ProtoMessage IntAttribute(string name, long value) => new ProtoMessage().String(1, name).Int64(3, value).Int32(20, AttributeInt);

    private static ProtoMessage FloatTensor(string name, long[] dims, float[] data)
    {
        var raw = new byte[data.Length * 4];
        for (var i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), data[i]);
        }

        return Tensor(name, dims, FloatType, raw);
    }

    private static ProtoMessage Int64Tensor(string name, long[] dims, long[] data)
    {
        var raw = new byte[data.Length * 8];
        for (var i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), data[i]);
        }

        return Tensor(name, dims, Int64Type, raw);
    }

    private static ProtoMessage Tensor(string name, long[] dims, int type, byte[] raw)
    {
        var tensor = new ProtoMessage();
        foreach (var d in dims)
        {
            tensor.Int64(1, d);
        }

        return tensor.Int32(2, type).String(8, name).Bytes(9, raw);
    }

    // A dimension that parses as a number is fixed; any other text is a symbolic (batch) dimension.
    private static ProtoMessage ValueInfo(string name, string[] dims)
    {
        using var shape = new ProtoMessage();
        foreach (var d in dims)
        {
            using var dim = new ProtoMessage();
            if (long.TryParse(d, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                dim.Int64(1, value);
            }
            else
            {
                dim.String(2, d);
            }

            shape.Message(1, dim);
        }

        using var tensorType = new ProtoMessage();
        tensorType.Int32(1, FloatType).Message(2, shape);
        using var type = new ProtoMessage();
        type.Message(1, tensorType);
        return new ProtoMessage().String(1, name).Message(2, type);
    }
}
