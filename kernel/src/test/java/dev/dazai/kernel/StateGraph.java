package dev.dazai.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TLC's state graph, read from {@code -dump dot,actionlabels}: every reachable state of the spec
 * with its variables, and every step between them labelled with the action that takes it.
 */
final class StateGraph {

    /** A state of the spec: its variables, as TLC prints them (strings keep their quotes). */
    record Node(String id, Map<String, String> vars) {
        String var(String name) {
            String v = vars.get(name);
            if (v == null) {
                throw new IllegalStateException("spec state has no variable " + name + ": " + vars);
            }
            return v.startsWith("\"") ? v.substring(1, v.length() - 1) : v;
        }
    }

    /** A step of the spec. */
    record Edge(Node from, String action, Node to) {
    }

    private static final Pattern NODE = Pattern.compile("^(-?\\d+) \\[label=\"(.*)\"(,style = filled)?\\];?$");
    private static final Pattern EDGE = Pattern.compile("^(-?\\d+) -> (-?\\d+) \\[label=\"([^\"]*)\".*$");
    private static final Pattern VAR = Pattern.compile("/\\\\\\\\ (\\w+) = (.*)");

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, List<Edge>> out = new HashMap<>();
    private final List<Node> initial = new ArrayList<>();

    static StateGraph read(Path dot) throws IOException {
        StateGraph g = new StateGraph();
        List<String[]> edges = new ArrayList<>();
        for (String line : Files.readAllLines(dot)) {
            Matcher e = EDGE.matcher(line);
            if (e.matches()) {
                edges.add(new String[] {e.group(1), e.group(3), e.group(2)});
                continue;
            }
            Matcher n = NODE.matcher(line);
            if (n.matches()) {
                Map<String, String> vars = new LinkedHashMap<>();
                // A variable's line starts with "/\\ "; TLC wraps a long value onto more lines.
                for (String part : n.group(2).split("\\\\n(?=/\\\\\\\\ )")) {
                    Matcher v = VAR.matcher(part.replaceAll("\\\\n\\s*", " "));
                    if (v.matches()) {
                        vars.put(v.group(1), v.group(2).replace("\\\"", "\""));
                    }
                }
                Node node = new Node(n.group(1), vars);
                g.nodes.put(node.id(), node);
                if (n.group(3) != null) {
                    g.initial.add(node);
                }
            }
        }
        for (String[] e : edges) {
            Node from = g.nodes.get(e[0]);
            Node to = g.nodes.get(e[2]);
            if (from != null && to != null) {
                g.out.computeIfAbsent(from.id(), k -> new ArrayList<>()).add(new Edge(from, e[1], to));
            }
        }
        if (g.initial.isEmpty()) {
            throw new IllegalStateException("no initial state in " + dot);
        }
        return g;
    }

    int size() {
        return nodes.size();
    }

    List<Node> initial() {
        return initial;
    }

    List<Edge> next(Node n) {
        return out.getOrDefault(n.id(), List.of());
    }

    /** A random behaviour from an initial state: up to {@code maxSteps}, or until no step is enabled. */
    List<Edge> walk(Random random, int maxSteps, java.util.function.Predicate<Node> start) {
        List<Node> starts = initial.stream().filter(start).toList();
        Node at = starts.get(random.nextInt(starts.size()));
        List<Edge> steps = new ArrayList<>();
        steps.add(new Edge(null, "Init", at));
        for (int i = 0; i < maxSteps; i++) {
            List<Edge> options = next(at);
            options = options.stream().filter(x -> !x.to().id().equals(x.from().id())).toList();
            if (options.isEmpty()) {
                break;
            }
            Edge e = options.get(random.nextInt(options.size()));
            steps.add(e);
            at = e.to();
        }
        return steps;
    }
}
